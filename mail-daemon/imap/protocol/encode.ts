// Response encoding: typed values → wire bytes. Strings become quoted strings when
// they can be and literals when they must (CR, LF, NUL, 8-bit unless UTF8=ACCEPT, very long);
// null is NIL; arrays are parenthesised lists; Atom is written as is (flags, section labels,
// keywords); a MailboxName in modified UTF-7, or as UTF-8 once the client enabled UTF8=ACCEPT.
import { encodeMailboxName } from './utf7';

export class Atom {
  constructor(readonly value: string) {}
}

/** A value already in wire form, written as is (e.g. "BODY[TEXT]<0>"). */
export function atom(value: string): Atom {
  return new Atom(value);
}

/** RFC 3516 BINARY section data: written as literal8 when it holds a NUL. */
export class BinaryData {
  constructor(readonly data: Buffer) {}
}

/** A mailbox name (Unicode, as the store has it): its wire form depends on the session (RFC 6855 3). */
export class MailboxName {
  constructor(readonly name: string) {}
}

export type WireValue = null | number | bigint | string | Buffer | Atom | BinaryData | MailboxName | WireValue[];

const QUOTABLE = /^[\x20-\x7e]*$/;
/** RFC 6855 4: with UTF8=ACCEPT a quoted string may hold UTF-8 (no controls). */
const QUOTABLE_UTF8 = /^[^\x00-\x1f\x7f-\x9f]*$/;

export interface WireOptions {
  /** The client enabled UTF8=ACCEPT (RFC 6855): UTF-8 quoted strings and mailbox names. */
  utf8?: boolean;
}

/** Collects text and literal bytes of one response without copying literals. */
export class WireBuilder {
  private chunks: Buffer[] = [];
  private text = '';

  constructor(private readonly options: WireOptions = {}) {}

  raw(s: string): this {
    this.text += s;
    return this;
  }

  private flush(): void {
    if (this.text) {
      this.chunks.push(Buffer.from(this.text, 'utf8'));
      this.text = '';
    }
  }

  /**
   * RFC 3501 §9 / RFC 9051 §9: a literal is CHAR8s, any octet but NUL (only RFC 3516's literal8,
   * in BINARY responses, may carry one). Stored mail may hold NULs (APPEND, mail from before
   * SMTP refused them): each is served as 0x80, as Dovecot does, so the length (RFC822.SIZE,
   * partial offsets) stays what we announce. The stored bytes are not touched.
   */
  literal(data: Buffer): this {
    this.text += `{${data.length}}\r\n`;
    this.flush();
    this.chunks.push(withoutNul(data));
    return this;
  }

  /** RFC 3516 BINARY data: a literal8 (~{n}) when it holds a NUL, else a plain literal. */
  binary(data: Buffer): this {
    if (!data.includes(0)) return this.literal(data);
    this.text += `~{${data.length}}\r\n`;
    this.flush();
    this.chunks.push(data);
    return this;
  }

  string(s: string): this {
    if (s.length < 1024 && (this.options.utf8 ? QUOTABLE_UTF8 : QUOTABLE).test(s)) return this.raw(`"${s.replace(/[\\"]/g, (c) => '\\' + c)}"`);
    return this.literal(Buffer.from(s, 'utf8'));
  }

  value(v: WireValue): this {
    if (v === null || v === undefined) return this.raw('NIL');
    if (typeof v === 'number' || typeof v === 'bigint') return this.raw(String(v));
    if (typeof v === 'string') return this.string(v);
    if (Buffer.isBuffer(v)) return this.literal(v);
    if (v instanceof Atom) return this.raw(v.value);
    if (v instanceof BinaryData) return this.binary(v.data);
    if (v instanceof MailboxName) return this.string(this.options.utf8 ? v.name : encodeMailboxName(v.name));
    this.raw('(');
    v.forEach((item, i) => {
      if (i) this.raw(' ');
      this.value(item);
    });
    return this.raw(')');
  }

  values(vs: WireValue[]): this {
    vs.forEach((item, i) => {
      if (i) this.raw(' ');
      this.value(item);
    });
    return this;
  }

  /** The finished response, CRLF appended. */
  done(): Buffer[] {
    this.text += '\r\n';
    this.flush();
    return this.chunks;
  }
}

/** `data` with every NUL octet replaced by 0x80; the same buffer when it has none (no copy). */
export function withoutNul(data: Buffer): Buffer {
  let i = data.indexOf(0);
  if (i < 0) return data;
  const out = Buffer.from(data);
  for (; i >= 0; i = out.indexOf(0, i + 1)) out[i] = 0x80;
  return out;
}

export type Status = 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH';

/** Text after a status, with an optional [CODE args]. Text never carries CR/LF. */
export function statusText(code: string | undefined, text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  return code ? `[${code}] ${clean}` : clean;
}

/** `tag STATUS [CODE] text` or `* STATUS ...`. */
export function statusLine(tag: string, status: Status, code: string | undefined, text: string): Buffer[] {
  return new WireBuilder().raw(`${tag} ${status} ${statusText(code, text)}`).done();
}

/** `* <values...>`: untagged data. */
export function untagged(...values: WireValue[]): Buffer[] {
  return untaggedFor({}, ...values);
}

/** `* <values...>` for a session with these options (UTF8=ACCEPT). */
export function untaggedFor(options: WireOptions, ...values: WireValue[]): Buffer[] {
  return new WireBuilder(options).raw('* ').values(values).done();
}

/** Concatenates chunks (tests and small responses). */
export function toBytes(chunks: Buffer[]): Buffer {
  return Buffer.concat(chunks);
}
