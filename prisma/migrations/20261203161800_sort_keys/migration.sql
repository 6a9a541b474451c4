-- SORT (RFC 5256, RFC 5957) and THREAD (RFC 5256) keys of each stored message, computed at
-- delivery/APPEND (mail-daemon/store/sort-keys.ts). Text keys are stored i;ascii-casemap'd and
-- compared COLLATE "C". Rows stored before this migration keep NULLs until SORT or THREAD
-- first reads their folder, which fills them in (RFC 2047 decoding needs the daemon); the
-- partial index finds those rows at once, and nothing once none is left.
ALTER TABLE "mail_blobs"
  ADD COLUMN IF NOT EXISTS "sort_subject" TEXT,
  ADD COLUMN IF NOT EXISTS "thread_reply" BOOLEAN,
  ADD COLUMN IF NOT EXISTS "sort_from" TEXT,
  ADD COLUMN IF NOT EXISTS "sort_to" TEXT,
  ADD COLUMN IF NOT EXISTS "sort_cc" TEXT,
  ADD COLUMN IF NOT EXISTS "sort_display_from" TEXT,
  ADD COLUMN IF NOT EXISTS "sort_display_to" TEXT,
  ADD COLUMN IF NOT EXISTS "message_id" TEXT,
  ADD COLUMN IF NOT EXISTS "thread_parents" TEXT[] NOT NULL DEFAULT '{}';

CREATE INDEX IF NOT EXISTS "mail_blobs_sort_keys_missing" ON "mail_blobs"("id") WHERE "sort_subject" IS NULL;
