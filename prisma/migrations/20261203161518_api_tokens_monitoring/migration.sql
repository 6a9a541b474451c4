-- API tokens for machine clients (read or full scope, optionally limited to some domains),
-- stored as SHA-256 of the token only; the monitoring settings (who may scrape /metrics without
-- a token, where alerts go and their thresholds); the alerts firing now, so several daemons
-- notify once; and the notices waiting to be sent by a daemon (alerts and the panel's test sends).

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "domain_ids" UUID[] DEFAULT ARRAY[]::UUID[],
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_name_key" ON "api_tokens"("name");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateTable
CREATE TABLE "monitoring_settings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "metrics_allow" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "alert_recipients" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "webhook_url" TEXT,
    "cert_days" INTEGER NOT NULL DEFAULT 14,
    "daemon_silent_minutes" INTEGER NOT NULL DEFAULT 5,
    "queue_threshold" INTEGER NOT NULL DEFAULT 1000,
    "send_limit_alerts" BOOLEAN NOT NULL DEFAULT true,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "monitoring_settings_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "monitoring_settings_one_row" CHECK ("id" = 1)
);

INSERT INTO "monitoring_settings" ("id") VALUES (1);

-- CreateTable
CREATE TABLE "alert_states" (
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "firing_since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_states_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "alert_notices" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),
    "mail_result" TEXT,
    "webhook_result" TEXT,

    CONSTRAINT "alert_notices_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "alert_notices_sent_at_created_at_idx" ON "alert_notices"("sent_at", "created_at");
