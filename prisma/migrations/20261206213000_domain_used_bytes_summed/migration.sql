-- A domain's storage use is the sum of its mailboxes' used_bytes, added up when shown. Kept as a
-- column of its own, every delivery, APPEND and EXPUNGE in the domain updated the one domain row
-- and held its lock until commit, so the mailboxes of one domain waited on each other's fsync.
-- No quota is enforced per domain: nothing needs the total on the write path.
ALTER TABLE "domains" DROP COLUMN IF EXISTS "used_bytes";
