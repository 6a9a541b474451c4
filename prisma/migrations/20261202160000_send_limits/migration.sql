-- Send limits count an authenticated sender's receipts of the last hour and day.

-- CreateIndex
CREATE INDEX "smtp_receipts_auth_user_received_at_idx" ON "smtp_receipts"("auth_user", "received_at");
