-- What SEARCH's header keys (RFC 3501 6.4.4 SUBJECT, FROM, TO, CC, BCC, HEADER) match, per stored
-- message, computed at delivery/APPEND (mail-daemon/store/search-text.ts): one 'name:text' element
-- per occurrence of a searched field, the text with its RFC 2047 encoded-words decoded and case and
-- whitespace folded; search_addresses holds FROM/TO/CC/BCC's decoded 'Name <local@domain>' form.
-- NULL: not computed (rows stored before this migration, whose decoding needs the daemon, or a
-- field holding a NUL): SEARCH reads those headers as before and fills the columns in as it goes.
ALTER TABLE "mail_blobs"
  ADD COLUMN IF NOT EXISTS "search_headers" TEXT[],
  ADD COLUMN IF NOT EXISTS "search_addresses" TEXT[];
