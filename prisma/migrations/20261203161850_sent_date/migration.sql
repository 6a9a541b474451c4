-- SENTBEFORE/SENTON/SENTSINCE compare the date the Date: header writes, in the header's own zone
-- (RFC 3501 6.4.4); sent_at keeps only the instant. sent_date is that instant moved by the
-- header's offset (mail-daemon/store/sent-date.ts computes it at delivery/APPEND). Existing rows
-- are derived the same way from the stored envelope date; re-running this file is harmless.
ALTER TABLE "mail_blobs" ADD COLUMN IF NOT EXISTS "sent_date" DATE;

UPDATE "mail_blobs" b
   SET "sent_date" = (b."sent_at" AT TIME ZONE 'UTC' + make_interval(mins => z.offset_minutes))::date
  FROM (
    SELECT id,
           CASE
             WHEN d ~ '[+-]\d{4}\s*$' THEN
               (CASE WHEN substring(d FROM '([+-])\d{4}\s*$') = '-' THEN -1 ELSE 1 END)
               * (substring(d FROM '[+-](\d\d)\d\d\s*$')::int * 60 + substring(d FROM '[+-]\d\d(\d\d)\s*$')::int)
             ELSE CASE upper(substring(d FROM '([A-Za-z]+)\s*$'))
                    WHEN 'EST' THEN -300 WHEN 'EDT' THEN -240 WHEN 'CST' THEN -360 WHEN 'CDT' THEN -300
                    WHEN 'MST' THEN -420 WHEN 'MDT' THEN -360 WHEN 'PST' THEN -480 WHEN 'PDT' THEN -420
                    ELSE 0 END
           END AS offset_minutes
      FROM (SELECT id, regexp_replace("mime"->'envelope'->>'date', '\s*\([^)]*\)\s*$', '') AS d
              FROM "mail_blobs" WHERE "sent_at" IS NOT NULL AND "sent_date" IS NULL) AS raw
  ) AS z
 WHERE b.id = z.id
   AND extract(year FROM b."sent_at" AT TIME ZONE 'UTC' + make_interval(mins => z.offset_minutes)) <= 9999;
