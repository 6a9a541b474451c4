-- TLS-STATS: per-message hop chains (our hop from smtp_receipts, hops below it claimed),
-- daily aggregates for the dashboard, and client-side TLS of IMAP/submission logins.

-- CreateTable
CREATE TABLE "tls_hop_chains" (
    "blob_id" UUID NOT NULL,
    "queue_id" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "direction" TEXT NOT NULL,
    "sender_domain" TEXT NOT NULL,
    "client_ip" TEXT NOT NULL,
    "our_tls_version" TEXT NOT NULL,
    "our_cipher" TEXT,
    "our_bits" INTEGER,
    "our_tls_mode" TEXT,
    "path_tls" BOOLEAN NOT NULL,
    "path_weakest" TEXT NOT NULL,
    "hop_count" INTEGER NOT NULL,
    "cleartext_hops" INTEGER NOT NULL,
    "hops" JSONB NOT NULL,

    CONSTRAINT "tls_hop_chains_pkey" PRIMARY KEY ("blob_id")
);

-- CreateTable
CREATE TABLE "tls_daily_stats" (
    "day" DATE NOT NULL,
    "domain_id" UUID NOT NULL,
    "mailbox_id" UUID NOT NULL,
    "direction" TEXT NOT NULL,
    "sender_domain" TEXT NOT NULL,
    "client_ip" TEXT NOT NULL,
    "tls_version" TEXT NOT NULL,
    "cipher" TEXT NOT NULL,
    "path_weakest" TEXT NOT NULL,
    "messages" INTEGER NOT NULL DEFAULT 0,
    "deliveries" INTEGER NOT NULL DEFAULT 0,
    "our_tls_messages" INTEGER NOT NULL DEFAULT 0,
    "our_tls_deliveries" INTEGER NOT NULL DEFAULT 0,
    "path_tls_messages" INTEGER NOT NULL DEFAULT 0,
    "path_tls_deliveries" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "tls_daily_stats_pkey" PRIMARY KEY ("day","domain_id","mailbox_id","direction","sender_domain","client_ip","tls_version","cipher","path_weakest")
);

-- CreateTable
CREATE TABLE "tls_client_logins" (
    "day" DATE NOT NULL,
    "mailbox_id" UUID NOT NULL,
    "service" TEXT NOT NULL,
    "tls_version" TEXT NOT NULL,
    "cipher" TEXT NOT NULL,
    "client_ip" TEXT NOT NULL,
    "logins" INTEGER NOT NULL DEFAULT 0,
    "last_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tls_client_logins_pkey" PRIMARY KEY ("day","mailbox_id","service","tls_version","cipher","client_ip")
);

-- CreateIndex
CREATE INDEX "tls_hop_chains_received_at_idx" ON "tls_hop_chains"("received_at");

-- CreateIndex
CREATE INDEX "tls_daily_stats_day_idx" ON "tls_daily_stats"("day");

-- CreateIndex
CREATE INDEX "tls_client_logins_mailbox_id_last_at_idx" ON "tls_client_logins"("mailbox_id", "last_at");

-- AddForeignKey
ALTER TABLE "tls_hop_chains" ADD CONSTRAINT "tls_hop_chains_blob_id_fkey" FOREIGN KEY ("blob_id") REFERENCES "mail_blobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
