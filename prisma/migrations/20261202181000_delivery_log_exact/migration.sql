-- The delivery log looks a whole sender or recipient address up exactly: measured at a
-- million rows (bench/deliveries), a trigram search for a whole address took 50-75 ms,
-- these btree lookups well under a millisecond.

-- CreateIndex
CREATE INDEX "smtp_receipts_mail_from_received_at_idx" ON "smtp_receipts"("mail_from", "received_at");

-- CreateIndex
CREATE INDEX "outbound_queue_mail_from_idx" ON "outbound_queue"("mail_from");

-- CreateIndex
CREATE INDEX "outbound_attempts_rcpt_started_at_idx" ON "outbound_attempts"("rcpt", "started_at");
