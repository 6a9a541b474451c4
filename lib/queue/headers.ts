// The message's header block for the admin: the first block only (up to the first empty
// line), read as at most HEADER_BYTES from the database, at most MAX_FIELDS fields.

export const HEADER_BYTES = 64 * 1024;
export const MAX_FIELDS = 300;
const MAX_VALUE = 4000;

export interface HeaderField {
  name: string;
  value: string;
}

export interface HeaderBlock {
  fields: HeaderField[];
  /** The block went on past HEADER_BYTES or MAX_FIELDS: what is shown is its start. */
  truncated: boolean;
}

/** Parses the start of a raw message (`head` = its first bytes, `size` = the whole message's). */
export function headerBlock(head: Uint8Array, size: number): HeaderBlock {
  const text = Buffer.from(head).toString('utf8');
  const end = /\r?\n\r?\n/.exec(text);
  const block = end ? text.slice(0, end.index) : text;
  let truncated = !end && size > head.length;
  const fields: HeaderField[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length) {
      // A folded line continues the field above (RFC 5322 §2.2.3).
      const f = fields[fields.length - 1];
      f.value = `${f.value} ${line.trim()}`.slice(0, MAX_VALUE);
      continue;
    }
    const m = /^([!-9;-~]+):[ \t]*(.*)$/.exec(line);
    if (!m) continue; // not a header line (mbox "From " line, junk): left out
    if (fields.length === MAX_FIELDS) {
      truncated = true;
      break;
    }
    fields.push({ name: m[1], value: m[2].slice(0, MAX_VALUE) });
  }
  return { fields, truncated };
}

/** The first value of a header, case-insensitively. */
export function headerValue(block: HeaderBlock, name: string): string | null {
  const lower = name.toLowerCase();
  return block.fields.find((f) => f.name.toLowerCase() === lower)?.value ?? null;
}
