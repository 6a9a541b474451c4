-- Mailbox and alias search in the panel is "contains" (ILIKE '%term%'); trigram GIN
-- indexes keep it fast at 100,000+ rows. pg_trgm is a trusted extension (PG 13+),
-- so the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateIndex
CREATE INDEX "mailboxes_address_trgm_idx" ON "mailboxes" USING GIN ("address" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "mailboxes_display_name_trgm_idx" ON "mailboxes" USING GIN ("display_name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "aliases_source_trgm_idx" ON "aliases" USING GIN ("source" gin_trgm_ops);
