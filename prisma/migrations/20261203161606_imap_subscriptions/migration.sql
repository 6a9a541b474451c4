-- IMAP subscriptions as their own rows (RFC 3501 6.3.6/6.3.9): a name stays subscribed
-- when its folder is deleted, a name may be subscribed before its folder exists, and
-- creating a folder does not subscribe it. INTERNALDATE keeps the zone APPEND gave it.

-- CreateTable
CREATE TABLE "mail_subscriptions" (
    "mailbox_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mail_subscriptions_pkey" PRIMARY KEY ("mailbox_id","name")
);

-- AddForeignKey
ALTER TABLE "mail_subscriptions" ADD CONSTRAINT "mail_subscriptions_mailbox_id_fkey" FOREIGN KEY ("mailbox_id") REFERENCES "mailboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

INSERT INTO "mail_subscriptions" ("mailbox_id", "name")
SELECT "mailbox_id", "name" FROM "mail_folders" WHERE "subscribed";

-- AlterTable
ALTER TABLE "mail_folders" DROP COLUMN "subscribed";

-- AlterTable: minutes east of UTC of the INTERNALDATE as APPEND gave it (0 for deliveries).
ALTER TABLE "mail_messages" ADD COLUMN "internal_date_zone" SMALLINT NOT NULL DEFAULT 0;

-- NIL is not a keyword (it is the IMAP nil atom): earlier versions stored it.
UPDATE "mail_messages" SET "flags" = ARRAY(SELECT f FROM unnest("flags") AS f WHERE upper(f) <> 'NIL')
 WHERE EXISTS (SELECT 1 FROM unnest("flags") AS f WHERE upper(f) = 'NIL');
