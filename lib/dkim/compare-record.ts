import type { DkimDnsStatus } from './view';

// RFC 6376 §3.2 tag-lists: "tag=value" separated by ";", whitespace (FWS) allowed around tags
// and values and, in base64 values such as p=, inside them (§3.6.1). Tags may come in any order.

function tagList(record: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of record.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !tags.has(name)) tags.set(name, part.slice(eq + 1).trim());
  }
  return tags;
}

/** The key a record publishes: k= (default "rsa", §3.6.1) and p= with its whitespace removed. */
function keyOf(record: string): { k: string; p: string } | null {
  const tags = tagList(record);
  const p = tags.get('p');
  if (p === undefined) return null;
  return { k: (tags.get('k') ?? 'rsa').toLowerCase(), p: p.replace(/\s+/g, '') };
}

/**
 * Judges the TXT records found at a selector's name against the value we expect: found when one
 * publishes the same key (k= and p=), different when records exist but none does.
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
