// What a failed command answers (RFC 3501 7.1, RFC 5530 response codes): parse errors
// are BAD with the command's tag, store errors NO with their code, a database that cannot serve
// now (lost, shutting down, read-only: lib/db/faults.ts) NO [UNAVAILABLE], and anything else a
// generic NO [SERVERBUG] whose details go to the log only, never to the client.
import { isDatabaseUnavailable } from '@/lib/db/faults';
import { StoreError, type StoreErrorCode } from './backend';
import { Code } from './codes';
import type { Completion } from './commands/types';
import { ParseError } from './protocol/reader';
import { BadCharsetError, SUPPORTED_CHARSETS } from './protocol/search';

/** The completion for a thrown error; null when it is internal (log it, answer `internalError()`). */
export function knownErrorCompletion(err: unknown, name: string): Completion | null {
  if (err instanceof BadCharsetError) return { status: 'NO', code: `${Code.BADCHARSET} (${SUPPORTED_CHARSETS.join(' ')})`, text: 'Unsupported charset' };
  if (err instanceof ParseError) return { status: 'BAD', code: Code.CLIENTBUG, text: `${name}: ${err.message}` };
  if (isDatabaseUnavailable(err)) return { status: 'NO', code: Code.UNAVAILABLE, text: 'Mail storage temporarily unavailable, try again later' };
  if (!(err instanceof StoreError)) return null;
  return STORE_ERRORS[err.code];
}

/** RFC 5530 response code and text for each store error. */
const STORE_ERRORS: Record<StoreErrorCode, Completion> = {
  nonexistent: { status: 'NO', code: Code.NONEXISTENT, text: 'No such mailbox' },
  alreadyexists: { status: 'NO', code: Code.ALREADYEXISTS, text: 'Mailbox already exists' },
  overquota: { status: 'NO', code: Code.OVERQUOTA, text: 'Quota exceeded' },
  toobig: { status: 'NO', code: Code.TOOBIG, text: 'Message too large' },
  readonly: { status: 'NO', code: Code.READ_ONLY, text: 'Mailbox is read-only' },
  invalid: { status: 'BAD', code: Code.CLIENTBUG, text: 'Invalid arguments' },
  cannot: { status: 'NO', code: Code.CANNOT, text: 'Operation not permitted on this mailbox' },
};

export function internalError(): Completion {
  return { status: 'NO', code: Code.SERVERBUG, text: 'Internal error, try again later' };
}
