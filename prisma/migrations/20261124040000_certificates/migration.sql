-- CERTS: internal CAs, S/MIME certificates, revocations, ACME accounts and
-- challenges; extra columns on the foundation's certificates table.

-- AlterTable
ALTER TABLE "certificates" ADD COLUMN "ca_id" UUID,
ADD COLUMN "acme_directory_url" TEXT,
ADD COLUMN "acme_email" TEXT,
ADD COLUMN "renewed_from_id" UUID,
ADD COLUMN "expiry_warned_days" INTEGER,
ADD COLUMN "revoked_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "certificate_authorities" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "parent_id" UUID,
    "subject" TEXT NOT NULL,
    "serial" TEXT NOT NULL,
    "cert_pem" TEXT NOT NULL,
    "key_sealed" TEXT NOT NULL,
    "key_type" TEXT NOT NULL,
    "key_size" INTEGER,
    "path_len" INTEGER NOT NULL,
    "not_before" TIMESTAMPTZ(3) NOT NULL,
    "not_after" TIMESTAMPTZ(3) NOT NULL,
    "fingerprint_sha256" TEXT NOT NULL,
    "crl_url" TEXT NOT NULL,
    "crl_number" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "certificate_authorities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "smime_certificates" (
    "id" UUID NOT NULL,
    "mailbox_id" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "ca_id" UUID NOT NULL,
    "serial" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "cert_pem" TEXT NOT NULL,
    "key_sealed" TEXT NOT NULL,
    "key_type" TEXT NOT NULL,
    "key_size" INTEGER,
    "not_before" TIMESTAMPTZ(3) NOT NULL,
    "not_after" TIMESTAMPTZ(3) NOT NULL,
    "fingerprint_sha256" TEXT NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "smime_certificates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "certificate_revocations" (
    "id" UUID NOT NULL,
    "ca_id" UUID NOT NULL,
    "serial" TEXT NOT NULL,
    "reason" INTEGER NOT NULL DEFAULT 0,
    "revoked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "certificate_revocations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "acme_accounts" (
    "id" UUID NOT NULL,
    "directory_url" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "key_sealed" TEXT NOT NULL,
    "account_url" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "acme_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "acme_challenges" (
    "token" TEXT NOT NULL,
    "key_authorization" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "acme_challenges_pkey" PRIMARY KEY ("token")
);

-- CreateIndex
CREATE INDEX "certificates_ca_id_idx" ON "certificates"("ca_id");

-- CreateIndex
CREATE UNIQUE INDEX "certificate_authorities_fingerprint_sha256_key" ON "certificate_authorities"("fingerprint_sha256");

-- CreateIndex
CREATE INDEX "certificate_authorities_parent_id_idx" ON "certificate_authorities"("parent_id");

-- CreateIndex
CREATE UNIQUE INDEX "smime_certificates_fingerprint_sha256_key" ON "smime_certificates"("fingerprint_sha256");

-- CreateIndex
CREATE INDEX "smime_certificates_mailbox_id_idx" ON "smime_certificates"("mailbox_id");

-- CreateIndex
CREATE INDEX "smime_certificates_ca_id_idx" ON "smime_certificates"("ca_id");

-- CreateIndex
CREATE UNIQUE INDEX "certificate_revocations_ca_id_serial_key" ON "certificate_revocations"("ca_id", "serial");

-- CreateIndex
CREATE UNIQUE INDEX "acme_accounts_directory_url_email_key" ON "acme_accounts"("directory_url", "email");

-- CreateIndex
CREATE INDEX "acme_challenges_expires_at_idx" ON "acme_challenges"("expires_at");

-- AddForeignKey
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_ca_id_fkey" FOREIGN KEY ("ca_id") REFERENCES "certificate_authorities"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "certificate_authorities" ADD CONSTRAINT "certificate_authorities_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "certificate_authorities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "smime_certificates" ADD CONSTRAINT "smime_certificates_mailbox_id_fkey" FOREIGN KEY ("mailbox_id") REFERENCES "mailboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "smime_certificates" ADD CONSTRAINT "smime_certificates_ca_id_fkey" FOREIGN KEY ("ca_id") REFERENCES "certificate_authorities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "certificate_revocations" ADD CONSTRAINT "certificate_revocations_ca_id_fkey" FOREIGN KEY ("ca_id") REFERENCES "certificate_authorities"("id") ON DELETE CASCADE ON UPDATE CASCADE;
