-- The self-service area for mailbox owners: their own panel sessions (apart from admins'),
-- app passwords for mail clients, forwarding, and a vacation auto-reply with the state
-- RFC 3834 §4 asks for (one reply per sender per interval).

-- CreateTable
CREATE TABLE "mailbox_sessions" (
    "id" UUID NOT NULL,
    "mailbox_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "mailbox_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "app_passwords" (
    "id" UUID NOT NULL,
    "mailbox_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "app_passwords_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mailbox_forwarding" (
    "mailbox_id" UUID NOT NULL,
    "destinations" TEXT[],
    "keep_copy" BOOLEAN NOT NULL DEFAULT true,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mailbox_forwarding_pkey" PRIMARY KEY ("mailbox_id")
);

-- CreateTable
CREATE TABLE "vacation_settings" (
    "mailbox_id" UUID NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "interval_days" INTEGER NOT NULL DEFAULT 7,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vacation_settings_pkey" PRIMARY KEY ("mailbox_id")
);

-- CreateTable
CREATE TABLE "vacation_replies" (
    "mailbox_id" UUID NOT NULL,
    "sender" TEXT NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "vacation_replies_pkey" PRIMARY KEY ("mailbox_id","sender")
);

-- CreateIndex
CREATE INDEX "mailbox_sessions_mailbox_id_idx" ON "mailbox_sessions"("mailbox_id");

-- CreateIndex
CREATE UNIQUE INDEX "app_passwords_mailbox_id_name_key" ON "app_passwords"("mailbox_id", "name");

-- AddForeignKey
ALTER TABLE "mailbox_sessions" ADD CONSTRAINT "mailbox_sessions_mailbox_id_fkey" FOREIGN KEY ("mailbox_id") REFERENCES "mailboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "app_passwords" ADD CONSTRAINT "app_passwords_mailbox_id_fkey" FOREIGN KEY ("mailbox_id") REFERENCES "mailboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mailbox_forwarding" ADD CONSTRAINT "mailbox_forwarding_mailbox_id_fkey" FOREIGN KEY ("mailbox_id") REFERENCES "mailboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vacation_settings" ADD CONSTRAINT "vacation_settings_mailbox_id_fkey" FOREIGN KEY ("mailbox_id") REFERENCES "mailboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vacation_replies" ADD CONSTRAINT "vacation_replies_mailbox_id_fkey" FOREIGN KEY ("mailbox_id") REFERENCES "mailboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE;
