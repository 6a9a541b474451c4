-- MAILSTORE: IMAP folders, messages, raw messages stored once with their MIME index.
-- UIDVALIDITY values come from one sequence started at the migration's epoch second, so a
-- folder deleted and re-created under the same name never reuses a UIDVALIDITY.
DO $$
BEGIN
    EXECUTE format('CREATE SEQUENCE "mail_uid_validity_seq" AS BIGINT START WITH %s MINVALUE 1 MAXVALUE 4294967295',
                   floor(extract(epoch FROM now()))::bigint);
END
$$;

-- CreateTable
CREATE TABLE "mail_folders" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "mailbox_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "special_use" TEXT,
    "subscribed" BOOLEAN NOT NULL DEFAULT true,
    "uid_validity" BIGINT NOT NULL DEFAULT nextval('mail_uid_validity_seq'),
    "uid_next" BIGINT NOT NULL DEFAULT 1,
    "highest_modseq" BIGINT NOT NULL DEFAULT 1,
    "first_recent_uid" BIGINT NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mail_folders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mail_blobs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "raw" BYTEA NOT NULL,
    "mime" JSONB NOT NULL,
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mail_blobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mail_messages" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "folder_id" UUID NOT NULL,
    "uid" BIGINT NOT NULL,
    "blob_id" UUID NOT NULL,
    "flags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "internal_date" TIMESTAMPTZ(3) NOT NULL,
    "size" INTEGER NOT NULL,
    "modseq" BIGINT NOT NULL,

    CONSTRAINT "mail_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mail_expunged" (
    "folder_id" UUID NOT NULL,
    "uid" BIGINT NOT NULL,
    "modseq" BIGINT NOT NULL,

    CONSTRAINT "mail_expunged_pkey" PRIMARY KEY ("folder_id","uid")
);

-- CreateIndex
CREATE UNIQUE INDEX "mail_folders_mailbox_id_name_key" ON "mail_folders"("mailbox_id", "name");

-- CreateIndex
CREATE INDEX "mail_blobs_sha256_idx" ON "mail_blobs"("sha256");

-- CreateIndex
CREATE UNIQUE INDEX "mail_messages_folder_id_uid_key" ON "mail_messages"("folder_id", "uid");

-- CreateIndex
CREATE INDEX "mail_messages_folder_id_modseq_idx" ON "mail_messages"("folder_id", "modseq");

-- CreateIndex
CREATE INDEX "mail_messages_blob_id_idx" ON "mail_messages"("blob_id");

-- CreateIndex
CREATE INDEX "mail_expunged_folder_id_modseq_idx" ON "mail_expunged"("folder_id", "modseq");

-- AddForeignKey
ALTER TABLE "mail_folders" ADD CONSTRAINT "mail_folders_mailbox_id_fkey" FOREIGN KEY ("mailbox_id") REFERENCES "mailboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mail_messages" ADD CONSTRAINT "mail_messages_folder_id_fkey" FOREIGN KEY ("folder_id") REFERENCES "mail_folders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mail_messages" ADD CONSTRAINT "mail_messages_blob_id_fkey" FOREIGN KEY ("blob_id") REFERENCES "mail_blobs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mail_expunged" ADD CONSTRAINT "mail_expunged_folder_id_fkey" FOREIGN KEY ("folder_id") REFERENCES "mail_folders"("id") ON DELETE CASCADE ON UPDATE CASCADE;
