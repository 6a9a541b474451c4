-- DNS and client setup: the last live check of each domain's records, the RFC 8460
-- TLS reports other servers send us, and how far the report reader got in each report mailbox.

-- CreateTable
CREATE TABLE "dns_checks" (
    "domain_id" UUID NOT NULL,
    "checked_at" TIMESTAMPTZ(3) NOT NULL,
    "problems" INTEGER NOT NULL,
    "results" JSONB NOT NULL,

    CONSTRAINT "dns_checks_pkey" PRIMARY KEY ("domain_id")
);

-- AddForeignKey
ALTER TABLE "dns_checks" ADD CONSTRAINT "dns_checks_domain_id_fkey" FOREIGN KEY ("domain_id") REFERENCES "domains"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "tls_reports" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "report_id" TEXT NOT NULL,
    "organization" TEXT NOT NULL,
    "contact_info" TEXT,
    "start_at" TIMESTAMPTZ(3) NOT NULL,
    "end_at" TIMESTAMPTZ(3) NOT NULL,
    "policy_domain" TEXT NOT NULL,
    "success_count" BIGINT NOT NULL,
    "failure_count" BIGINT NOT NULL,
    "report" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tls_reports_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "tls_reports_organization_report_id_policy_domain_key" ON "tls_reports"("organization", "report_id", "policy_domain");
CREATE INDEX "tls_reports_start_at_idx" ON "tls_reports"("start_at");

-- CreateTable
CREATE TABLE "tls_report_cursors" (
    "folder_id" UUID NOT NULL,
    "uid_validity" BIGINT NOT NULL,
    "last_uid" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tls_report_cursors_pkey" PRIMARY KEY ("folder_id")
);

-- AddForeignKey
ALTER TABLE "tls_report_cursors" ADD CONSTRAINT "tls_report_cursors_folder_id_fkey" FOREIGN KEY ("folder_id") REFERENCES "mail_folders"("id") ON DELETE CASCADE ON UPDATE CASCADE;
