// The shape of one entry in the command table: the states it is allowed in, how its
// arguments are parsed (typed, with the protocol Reader), and its handler.
import { Code } from '../codes';
import type { Reader } from '../protocol/reader';
import type { ImapSession, State } from '../session';

export interface Completion {
  status: 'OK' | 'NO' | 'BAD';
  code?: string;
  text: string;
  /** Runs after the tagged response is written (STARTTLS upgrade, LOGOUT close). */
  after?: () => Promise<void>;
}

export interface CommandContext {
  tag: string;
  name: string;
}

export interface CommandSpec<A = unknown> {
  states: readonly State[];
  /** Reads the arguments after the command name (the leading space included). */
  parse?: (r: Reader) => A;
  handle: (s: ImapSession, args: A, ctx: CommandContext) => Promise<Completion | void>;
  /** FETCH, STORE, SEARCH: no untagged EXPUNGE at their end (RFC 3501 7.4.1). */
  noExpunge?: boolean;
}

export function command<A>(spec: CommandSpec<A>): CommandSpec<unknown> {
  return spec as CommandSpec<unknown>;
}

export const ANY: readonly State[] = ['not-authenticated', 'authenticated', 'selected'];
export const NOT_AUTHENTICATED: readonly State[] = ['not-authenticated'];
export const AUTHENTICATED: readonly State[] = ['authenticated', 'selected'];
export const SELECTED: readonly State[] = ['selected'];

export const ok = (text: string, code?: string): Completion => ({ status: 'OK', code, text });
export const no = (code: string | undefined, text: string): Completion => ({ status: 'NO', code, text });
export const bad = (text: string, code?: string): Completion => ({ status: 'BAD', code, text });

/**
 * APPEND, COPY and MOVE to a folder that does not exist answer NO [TRYCREATE] (RFC 3501
 * 6.3.11 and 6.4.7, RFC 6851 3.3); any other error is rethrown for ImapSession.errorCompletion.
 */
export function tryCreateOrThrow(err: unknown): Completion {
  if ((err as { code?: string }).code === 'nonexistent') return no(Code.TRYCREATE, 'No such mailbox');
  throw err;
}
