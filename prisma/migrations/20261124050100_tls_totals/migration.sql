-- TLS-STATS: spread hot aggregate rows over 16 shards (concurrent deliveries from one sender to one
-- mailbox must not serialise on one row lock), a small per-day totals table the overview reads at
-- a million messages, and indexes for the mailbox filter and the weak-sender lists.

-- AlterTable
ALTER TABLE "tls_daily_stats" ADD COLUMN "shard" SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE "tls_daily_stats" DROP CONSTRAINT "tls_daily_stats_pkey";
ALTER TABLE "tls_daily_stats" ADD CONSTRAINT "tls_daily_stats_pkey" PRIMARY KEY ("day","domain_id","mailbox_id","direction","sender_domain","client_ip","tls_version","cipher","path_weakest","shard");

-- CreateTable
CREATE TABLE "tls_daily_totals" (
    "day" DATE NOT NULL,
    "domain_id" UUID NOT NULL,
    "direction" TEXT NOT NULL,
    "tls_version" TEXT NOT NULL,
    "cipher" TEXT NOT NULL,
    "path_weakest" TEXT NOT NULL,
    "shard" SMALLINT NOT NULL DEFAULT 0,
    "messages" INTEGER NOT NULL DEFAULT 0,
    "deliveries" INTEGER NOT NULL DEFAULT 0,
    "our_tls_messages" INTEGER NOT NULL DEFAULT 0,
    "our_tls_deliveries" INTEGER NOT NULL DEFAULT 0,
    "path_tls_messages" INTEGER NOT NULL DEFAULT 0,
    "path_tls_deliveries" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "tls_daily_totals_pkey" PRIMARY KEY ("day","domain_id","direction","tls_version","cipher","path_weakest","shard")
);

-- CreateIndex
CREATE INDEX "tls_daily_stats_mailbox_id_day_idx" ON "tls_daily_stats"("mailbox_id", "day");

-- CreateIndex
CREATE INDEX "tls_daily_stats_tls_version_day_idx" ON "tls_daily_stats"("tls_version", "day");
