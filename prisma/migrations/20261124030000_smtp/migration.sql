-- SMTP: receipts (the TLS facts of our own hop, one row per accepted transaction) and the
-- outbound queue (remote recipients of authenticated or relay-network senders).

-- CreateEnum
CREATE TYPE "OutboundStatus" AS ENUM ('QUEUED', 'DEFERRED', 'SENT', 'BOUNCED');

-- CreateTable
CREATE TABLE "smtp_receipts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "queue_id" TEXT NOT NULL,
    "blob_id" UUID,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "listener" TEXT NOT NULL,
    "client_ip" TEXT NOT NULL,
    "client_name" TEXT,
    "helo" TEXT NOT NULL,
    "mail_from" TEXT NOT NULL,
    "rcpts" TEXT[],
    "auth_user" TEXT,
    "protocol" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "tls_version" TEXT,
    "tls_cipher" TEXT,
    "tls_cipher_standard" TEXT,
    "tls_bits" INTEGER,
    "tls_mode" TEXT,
    "tls_sni" TEXT,
    "client_cert_subject" TEXT,
    "client_cert_fingerprint" TEXT,

    CONSTRAINT "smtp_receipts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbound_queue" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "queue_id" TEXT NOT NULL,
    "blob_id" UUID NOT NULL,
    "mail_from" TEXT NOT NULL,
    "rcpt" TEXT NOT NULL,
    "auth_user" TEXT,
    "status" "OutboundStatus" NOT NULL DEFAULT 'QUEUED',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbound_queue_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "smtp_receipts_queue_id_key" ON "smtp_receipts"("queue_id");

-- CreateIndex
CREATE INDEX "smtp_receipts_received_at_idx" ON "smtp_receipts"("received_at");

-- CreateIndex
CREATE INDEX "smtp_receipts_blob_id_idx" ON "smtp_receipts"("blob_id");

-- CreateIndex
CREATE INDEX "outbound_queue_status_next_attempt_at_idx" ON "outbound_queue"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "outbound_queue_queue_id_idx" ON "outbound_queue"("queue_id");

-- AddForeignKey
ALTER TABLE "smtp_receipts" ADD CONSTRAINT "smtp_receipts_blob_id_fkey" FOREIGN KEY ("blob_id") REFERENCES "mail_blobs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbound_queue" ADD CONSTRAINT "outbound_queue_blob_id_fkey" FOREIGN KEY ("blob_id") REFERENCES "mail_blobs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
