-- A mailbox owner's optional second factor for the self-service area (RFC 6238 TOTP):
-- the secret sealed with the master key, on only once a code confirmed it, and the time
-- step of the last code used so each code signs in once (RFC 6238 §5.2).

-- CreateTable
CREATE TABLE "mailbox_totp" (
    "mailbox_id" UUID NOT NULL,
    "secret_sealed" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "last_step" INTEGER,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mailbox_totp_pkey" PRIMARY KEY ("mailbox_id")
);

-- AddForeignKey
ALTER TABLE "mailbox_totp" ADD CONSTRAINT "mailbox_totp_mailbox_id_fkey" FOREIGN KEY ("mailbox_id") REFERENCES "mailboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE;
