-- TLS-STATS: the senders whose hop to us was cleartext or below TLS 1.2, per day, without mailbox,
-- cipher or path: a narrow table the "top weak senders / IPs" lists read at a million messages.

-- CreateTable
CREATE TABLE "tls_weak_senders" (
    "day" DATE NOT NULL,
    "domain_id" UUID NOT NULL,
    "direction" TEXT NOT NULL,
    "sender_domain" TEXT NOT NULL,
    "client_ip" TEXT NOT NULL,
    "tls_version" TEXT NOT NULL,
    "shard" SMALLINT NOT NULL DEFAULT 0,
    "messages" INTEGER NOT NULL DEFAULT 0,
    "deliveries" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "tls_weak_senders_pkey" PRIMARY KEY ("day","domain_id","direction","sender_domain","client_ip","tls_version","shard")
);
