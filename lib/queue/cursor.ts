import { ServiceError } from '@/lib/errors';

// Keyset cursors: the (time, key) of the last row of a page, opaque to the caller. Rows
// after it are those with an earlier time, or the same time and a smaller key.

export interface Cursor {
  at: Date;
  key: string;
}

export function encodeCursor(at: Date, key: string): string {
  return Buffer.from(`${at.getTime()}~${key}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Cursor | undefined {
  if (!cursor) return undefined;
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^(\d{1,15})~([A-Za-z0-9._-]{1,64})$/.exec(raw);
  if (!m) throw new ServiceError('invalid', 'not a page cursor (start again from the first page)', 'cursor');
  return { at: new Date(Number(m[1])), key: m[2] };
}
