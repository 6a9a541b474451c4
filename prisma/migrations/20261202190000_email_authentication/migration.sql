-- Email authentication: DKIM signing keys per domain, the results of the checks on arrival
-- kept with each receipt, greylisting shared by every daemon, and users' Junk judgements.

-- AlterTable
ALTER TABLE "smtp_receipts" ADD COLUMN "from_domain" TEXT,
ADD COLUMN "spf_result" TEXT,
ADD COLUMN "dkim_result" TEXT,
ADD COLUMN "dmarc_result" TEXT,
ADD COLUMN "arc_result" TEXT,
ADD COLUMN "auth_results_header" TEXT,
ADD COLUMN "auth_results" JSONB,
ADD COLUMN "disposition" TEXT NOT NULL DEFAULT 'inbox',
ADD COLUMN "disposition_reason" TEXT,
ADD COLUMN "spam_action" TEXT,
ADD COLUMN "spam_score" DOUBLE PRECISION,
ADD COLUMN "spam_symbols" JSONB;

-- CreateIndex
CREATE INDEX "smtp_receipts_from_domain_received_at_idx" ON "smtp_receipts"("from_domain", "received_at");

-- CreateTable
CREATE TABLE "dkim_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "domain_id" UUID NOT NULL,
    "selector" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "public_key" TEXT NOT NULL,
    "private_key_sealed" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activated_at" TIMESTAMPTZ(3),
    "retiring_at" TIMESTAMPTZ(3),
    "retire_after" TIMESTAMPTZ(3),
    "retired_at" TIMESTAMPTZ(3),
    "dns_status" TEXT,
    "dns_checked_at" TIMESTAMPTZ(3),

    CONSTRAINT "dkim_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "dkim_keys_domain_id_selector_key" ON "dkim_keys"("domain_id", "selector");
CREATE INDEX "dkim_keys_status_idx" ON "dkim_keys"("status");
-- One signing key per domain at a time (not expressible in the Prisma schema).
CREATE UNIQUE INDEX "dkim_keys_one_active_per_domain" ON "dkim_keys"("domain_id") WHERE "status" = 'active';

-- AddForeignKey
ALTER TABLE "dkim_keys" ADD CONSTRAINT "dkim_keys_domain_id_fkey" FOREIGN KEY ("domain_id") REFERENCES "domains"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "greylist" (
    "network" TEXT NOT NULL,
    "sender" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "first_seen" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "passed_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "greylist_pkey" PRIMARY KEY ("network", "sender", "recipient")
);

-- CreateIndex
CREATE INDEX "greylist_last_seen_idx" ON "greylist"("last_seen");

-- CreateTable
CREATE TABLE "junk_training" (
    "id" BIGSERIAL NOT NULL,
    "mailbox_id" UUID NOT NULL,
    "blob_id" UUID,
    "verdict" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "learned_at" TIMESTAMPTZ(3),
    "learn_error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "junk_training_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "junk_training_learned_at_created_at_idx" ON "junk_training"("learned_at", "created_at");
CREATE INDEX "junk_training_mailbox_id_created_at_idx" ON "junk_training"("mailbox_id", "created_at");
