// POP3 response codes (RFC 2449 §8 RESP-CODES, RFC 3206): the bracketed word after -ERR that
// tells a client what to do without reading the text.
export const Code = {
  /** RFC 3206 §4: a problem with the credentials (ask the user again); AUTH-RESP-CODE. */
  AUTH: 'AUTH',
  /** RFC 2449 §8.1.2: the credentials were right, but the maildrop is locked by another session. */
  IN_USE: 'IN-USE',
  /** RFC 3206 §5: a temporary problem on our side (try again later, the password is not in doubt). */
  SYS_TEMP: 'SYS/TEMP',
} as const;

export type Code = (typeof Code)[keyof typeof Code];

/** One positive or negative response line (RFC 1939 §3), CRLF included. */
export function ok(text?: string): Buffer {
  return Buffer.from(text ? `+OK ${text}\r\n` : '+OK\r\n');
}

export function err(text: string, code?: Code): Buffer {
  return Buffer.from(`-ERR ${code ? `[${code}] ` : ''}${text}\r\n`);
}
