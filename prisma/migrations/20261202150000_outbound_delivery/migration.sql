-- Outbound delivery: per-recipient queue state with leases (several daemons share one
-- queue: claims take FOR UPDATE SKIP LOCKED and a lease that expires), RFC 3461 DSN
-- parameters, and one row per delivery attempt for the queue page and the delivery log.

-- AlterTable
ALTER TABLE "outbound_queue" RENAME COLUMN "last_error" TO "last_reply";
ALTER TABLE "outbound_queue"
    ADD COLUMN "domain" TEXT NOT NULL DEFAULT '',
    ADD COLUMN "last_code" INTEGER,
    ADD COLUMN "last_enhanced" TEXT,
    ADD COLUMN "lease_owner" TEXT,
    ADD COLUMN "lease_until" TIMESTAMPTZ(3),
    ADD COLUMN "dsn_notify" TEXT[],
    ADD COLUMN "dsn_orcpt" TEXT,
    ADD COLUMN "dsn_ret" TEXT,
    ADD COLUMN "dsn_envid" TEXT,
    ADD COLUMN "delay_notified_at" TIMESTAMPTZ(3),
    ADD COLUMN "bounce_requested_at" TIMESTAMPTZ(3),
    ADD COLUMN "finished_at" TIMESTAMPTZ(3),
    ADD COLUMN "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
UPDATE "outbound_queue" SET "domain" = lower(substring("rcpt" from '@([^@]*)$'));
ALTER TABLE "outbound_queue" ALTER COLUMN "domain" DROP DEFAULT;

-- CreateTable
CREATE TABLE "outbound_attempts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "outbound_id" UUID NOT NULL,
    "queue_id" TEXT NOT NULL,
    "rcpt" TEXT NOT NULL,
    "domain" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "duration_ms" INTEGER NOT NULL,
    "instance_id" TEXT NOT NULL,
    "mx_host" TEXT,
    "ip" TEXT,
    "port" INTEGER,
    "tls_version" TEXT,
    "tls_cipher" TEXT,
    "tls_verification" TEXT NOT NULL,
    "mta_sts" TEXT,
    "outcome" TEXT NOT NULL,
    "code" INTEGER,
    "enhanced" TEXT NOT NULL,
    "reply" TEXT NOT NULL,

    CONSTRAINT "outbound_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "outbound_queue_domain_idx" ON "outbound_queue"("domain");

-- CreateIndex
CREATE INDEX "outbound_queue_created_at_idx" ON "outbound_queue"("created_at");

-- CreateIndex
CREATE INDEX "outbound_attempts_outbound_id_idx" ON "outbound_attempts"("outbound_id");

-- CreateIndex
CREATE INDEX "outbound_attempts_started_at_idx" ON "outbound_attempts"("started_at");

-- CreateIndex
CREATE INDEX "outbound_attempts_domain_started_at_idx" ON "outbound_attempts"("domain", "started_at");

-- AddForeignKey
ALTER TABLE "outbound_attempts" ADD CONSTRAINT "outbound_attempts_outbound_id_fkey" FOREIGN KEY ("outbound_id") REFERENCES "outbound_queue"("id") ON DELETE CASCADE ON UPDATE CASCADE;
