/**
 * Splits a free-text list as people type it into a textarea — one per line,
 * or separated by commas, semicolons or spaces — into trimmed, non-empty,
 * de-duplicated entries in their original order.
 */
export function splitList(text: string | null | undefined): string[] {
  if (!text) return [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of text.split(/[\s,;]+/)) {
    const entry = raw.trim();
    if (!entry || seen.has(entry)) continue;
    seen.add(entry);
    out.push(entry);
  }
  return out;
}
