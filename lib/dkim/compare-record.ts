import { parseTagList } from '@/lib/auth-results';
import type { DkimDnsStatus } from './view';

/**
 * The key a record publishes: k= (default "rsa", RFC 6376 §3.6.1) and p= with the folding
 * whitespace its base64 may carry removed. null when the record is no tag-list (a tag twice, a
 * part without "=": §3.2 makes the whole list invalid, and a verifier ignores such a record,
 * §6.1.2) or has no p=.
 */
function keyOf(record: string): { k: string; p: string } | null {
  let tags: Record<string, string>;
  try {
    tags = parseTagList(record);
  } catch {
    return null;
  }
  if (tags.p === undefined) return null;
  return { k: (tags.k ?? 'rsa').toLowerCase(), p: tags.p.replace(/\s+/g, '') };
}

/**
 * Judges the TXT records found at a selector's name against the value we expect: found when one
 * publishes the same key (k= and p=, in any tag order), different when records exist but none does.
 */
export function compareDkimRecords(found: string[], expected: string): Exclude<DkimDnsStatus, 'failed'> {
  if (!found.length) return 'missing';
  const want = keyOf(expected);
  const match = found.some((r) => {
    const got = keyOf(r);
    return got !== null && want !== null && got.k === want.k && got.p === want.p;
  });
  return match ? 'found' : 'different';
}
