/**
 * The Received fields of a message (or of pasted headers), in header order: the topmost — the last hop,
 * added by the receiving server — first. Only the header section is read (up to the first empty line).
 */

/** Header sections beyond this are not read (a real one is a few KB). */
export const MAX_HEADER_BYTES = 1024 * 1024;
/** More Received fields than this is a loop or an attack; the rest are not read. */
export const MAX_RECEIVED_FIELDS = 500;

export function headerSection(input: string | Buffer): string {
  const text =
    typeof input === 'string'
      ? input.slice(0, MAX_HEADER_BYTES)
      : input.subarray(0, MAX_HEADER_BYTES).toString('latin1');
  const start = text.replace(/^[\r\n]+/, '');
  const m = /\r?\n\r?\n/.exec(start);
  return m ? start.slice(0, m.index) : start;
}

/** Every header field as [name, unfolded-with-line-breaks value], in order. */
export function headerFields(input: string | Buffer): Array<[string, string]> {
  const lines = headerSection(input).split(/\r?\n/);
  const fields: Array<[string, string]> = [];
  for (const line of lines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) {
      fields[fields.length - 1][1] += '\n' + line;
      continue;
    }
    // pasted text may be indented as a whole; before the first field, a leading blank is not folding
    const m = /^([!-9;-~]+)[ \t]*:(.*)$/.exec(fields.length === 0 ? line.trimStart() : line);
    if (m) fields.push([m[1], m[2]]);
  }
  return fields;
}

export function extractReceivedHeaders(input: string | Buffer, limit = MAX_RECEIVED_FIELDS): string[] {
  const out: string[] = [];
  for (const [name, value] of headerFields(input)) {
    if (name.toLowerCase() !== 'received') continue;
    out.push(value);
    if (out.length >= limit) break;
  }
  return out;
}
