-- What SEARCH BODY (RFC 3501 6.4.4) matches, per stored message (mail-daemon/store/body-scan.ts
-- bodyMatchText): the message's text parts with their transfer encoding and charset undone, case
-- and whitespace folded, one part per line. SEARCH BODY is then a strpos() in SQL instead of every
-- candidate's bytes sent to the daemon and decoded there. Computed off the delivery path by the
-- daemons' search indexer (mail-daemon/store/body-index.ts), or by a SEARCH that read the message
-- whole. NULL: not computed yet (SEARCH reads those messages' bytes as before), or never for
-- messages over 1 MiB, which are streamed at each SEARCH. The partial index finds the messages left
-- to index at once, and nothing once none is left.
ALTER TABLE "mail_blobs" ADD COLUMN IF NOT EXISTS "search_body" TEXT;

CREATE INDEX IF NOT EXISTS "mail_blobs_search_body_missing" ON "mail_blobs"("id") WHERE "search_body" IS NULL AND "size" <= 1048576;
