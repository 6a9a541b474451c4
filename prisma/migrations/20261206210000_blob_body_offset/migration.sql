-- Where a stored message's body starts (its header's length, the MIME index's root.b), as a column
-- of its own. FETCH BODY[HEADER], BODY[] and BODY[TEXT] need only that offset: read from the
-- index, every row's jsonb was fetched from TOAST and decompressed for one number, half of the
-- statement's time. NULL for rows a daemon from before this column writes during a rolling
-- upgrade: readers fall back to the index for those.
ALTER TABLE "mail_blobs" ADD COLUMN IF NOT EXISTS "body_offset" INTEGER;

UPDATE "mail_blobs" SET "body_offset" = ("mime"->'root'->>'b')::int WHERE "body_offset" IS NULL AND "mime" ? 'root';
