-- What SEARCH BODY (RFC 3501 6.4.4) matches, per stored message, computed at delivery/APPEND
-- (mail-daemon/store/body-scan.ts bodyMatchText): the message's text parts with their transfer
-- encoding and charset undone, case and whitespace folded, one part per line. SEARCH BODY is then
-- a strpos() in SQL instead of every candidate's bytes sent to the daemon and decoded there.
-- NULL: not computed (rows stored before this migration, filled in as SEARCH reads them; text
-- parts over 1 MiB; a NUL): SEARCH reads those messages' bytes as before.
ALTER TABLE "mail_blobs" ADD COLUMN IF NOT EXISTS "search_body" TEXT;
