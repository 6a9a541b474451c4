-- A domain's storage use is the sum of its mailboxes' used_bytes, added up when shown. Kept as a
-- column of its own, every delivery, APPEND and EXPUNGE in the domain updated the one domain row
-- and held its lock until commit, so the mailboxes of one domain waited on each other's fsync.
-- No quota is enforced per domain: nothing needs the total on the write path. A daemon from
-- before this migration still writes the column: once it is gone, that daemon's deliveries get
-- 451 (senders retry; nothing is lost) and its APPEND and EXPUNGE fail. Upgrade all daemons on
-- one database together.
ALTER TABLE "domains" DROP COLUMN IF EXISTS "used_bytes";
