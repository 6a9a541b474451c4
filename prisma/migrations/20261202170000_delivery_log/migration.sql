-- The delivery log ("where did my mail go?") searches receipts and attempts by Message-ID,
-- client IP, sender and recipient; these keep it an index lookup at a million rows.

-- AlterTable
ALTER TABLE "smtp_receipts" ADD COLUMN "message_id" TEXT;

-- CreateIndex
CREATE INDEX "smtp_receipts_message_id_idx" ON "smtp_receipts"("message_id");

-- CreateIndex
CREATE INDEX "smtp_receipts_client_ip_received_at_idx" ON "smtp_receipts"("client_ip", "received_at");

-- CreateIndex
CREATE INDEX "smtp_receipts_rcpts_idx" ON "smtp_receipts" USING GIN ("rcpts");

-- CreateIndex
CREATE INDEX "smtp_receipts_mail_from_trgm_idx" ON "smtp_receipts" USING GIN ("mail_from" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "outbound_queue_mail_from_trgm_idx" ON "outbound_queue" USING GIN ("mail_from" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "outbound_attempts_rcpt_trgm_idx" ON "outbound_attempts" USING GIN ("rcpt" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "outbound_attempts_queue_id_idx" ON "outbound_attempts"("queue_id");
