// Any-state commands (CAPABILITY, NOOP, LOGOUT, ID), the not-authenticated ones
// (STARTTLS, LOGIN, AUTHENTICATE PLAIN with SASL-IR), ENABLE and IDLE.
import { VERSION } from '@/lib/version';
import { Code } from '../codes';
import { atom } from '../protocol/encode';
import { ParseError } from '../protocol/reader';
import { ANY, AUTHENTICATED, bad, command, no, NOT_AUTHENTICATED, ok, type CommandSession, type Completion } from './types';

const capability = command({
  states: ANY,
  async handle(s) {
    await s.untagged(atom('CAPABILITY'), ...s.capabilities().map(atom));
  },
});

const noop = command({
  states: ANY,
  async handle(s) {
    await s.sync({ expunge: true, force: true });
  },
});

const logout = command({
  states: ANY,
  async handle(s) {
    await s.untaggedStatus('BYE', undefined, 'Logging out');
    await s.logout();
    return { status: 'OK', text: 'LOGOUT completed', after: async () => s.closeConnection() };
  },
});

const id = command({
  states: ANY,
  parse(r) {
    r.sp();
    if (r.accept('NIL')) return null;
    const list = r.list(() => r.nstring());
    if (list.length > 60) throw new ParseError('Too many ID fields');
    return list;
  },
  async handle(s, _args) {
    await s.untagged(atom('ID'), ['name', 'Postern', 'version', VERSION]);
  },
});

/** ENABLE's argument as parsed (upper case) → the capability it turns on, as ENABLED names it. */
const ENABLABLE = { CONDSTORE: 'CONDSTORE', QRESYNC: 'QRESYNC', IMAP4REV2: 'IMAP4rev2', 'UTF8=ACCEPT': 'UTF8=ACCEPT' } as const;

const enable = command({
  states: AUTHENTICATED,
  parse(r) {
    const caps: string[] = [];
    while (r.maybeSp()) caps.push(r.atom().toUpperCase());
    if (!caps.length) throw new ParseError('ENABLE needs a capability');
    return caps;
  },
  async handle(s, caps: string[]) {
    const now: string[] = [];
    for (const cap of caps) {
      const name = Object.hasOwn(ENABLABLE, cap) ? ENABLABLE[cap as keyof typeof ENABLABLE] : null;
      if (name && s.enable(name)) now.push(name);
    }
    await s.untagged(atom('ENABLED'), ...now.map(atom));
  },
});

const starttls = command({
  states: NOT_AUTHENTICATED,
  async handle(s): Promise<Completion> {
    if (!s.canStartTls) return bad('TLS is already active or not available');
    return { status: 'OK', text: 'Begin TLS negotiation now', after: () => s.startTls() };
  },
});

async function login(s: CommandSession, user: string, password: string): Promise<Completion> {
  if (!s.authAllowed) return no(Code.PRIVACYREQUIRED, 'Use TLS first (STARTTLS or port 993)');
  const outcome = await s.login(user, password);
  if (!outcome.ok) {
    if (outcome.reason === 'throttled') return no(Code.UNAVAILABLE, 'Too many failed attempts, try again later');
    if (outcome.reason === 'limit') return no(Code.LIMIT, 'Too many connections for this user');
    return no(Code.AUTHENTICATIONFAILED, 'Authentication failed');
  }
  return ok('Logged in', `${Code.CAPABILITY} ${s.capabilities().join(' ')}`);
}

const loginCommand = command({
  states: NOT_AUTHENTICATED,
  parse(r) {
    r.sp();
    const user = r.astring();
    r.sp();
    const password = r.astring();
    return { user, password };
  },
  async handle(s, { user, password }: { user: string; password: string }) {
    return login(s, user, password);
  },
});

/** Decodes a SASL PLAIN response: authzid NUL authcid NUL password. */
export function decodePlain(b64: string): { authzid: string; user: string; password: string } | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return null;
  const parts = Buffer.from(b64, 'base64').toString('utf8').split('\0');
  if (parts.length !== 3) return null;
  return { authzid: parts[0], user: parts[1], password: parts[2] };
}

const authenticate = command({
  states: NOT_AUTHENTICATED,
  parse(r) {
    r.sp();
    const mechanism = r.atom().toUpperCase();
    let initial: string | null = null;
    if (r.maybeSp()) initial = r.atom();
    return { mechanism, initial };
  },
  async handle(s, { mechanism, initial }: { mechanism: string; initial: string | null }) {
    if (mechanism !== 'PLAIN') return no(Code.CANNOT, 'Unsupported authentication mechanism');
    if (!s.authAllowed) return no(Code.PRIVACYREQUIRED, 'Use TLS first (STARTTLS or port 993)');
    let response = initial;
    if (response === null) {
      await s.send([Buffer.from('+ \r\n')]);
      response = await s.readLine();
      if (s.isClosed) return bad('Connection closed');
    }
    if (response === '*') return bad('Authentication cancelled');
    const plain = decodePlain(response === '=' ? '' : response);
    if (!plain) return bad('Invalid SASL PLAIN response');
    if (plain.authzid && plain.authzid !== plain.user) return no(Code.AUTHORIZATIONFAILED, 'Cannot act as another user');
    return login(s, plain.user, plain.password);
  },
});

const idle = command({
  states: AUTHENTICATED,
  async handle(s) {
    const line = await s.idle();
    if (s.isClosed) return;
    if (line.toUpperCase() !== 'DONE') return bad('Expected DONE');
  },
});

export const generalCommands = {
  CAPABILITY: capability,
  NOOP: noop,
  LOGOUT: logout,
  ID: id,
  ENABLE: enable,
  STARTTLS: starttls,
  LOGIN: loginCommand,
  AUTHENTICATE: authenticate,
  IDLE: idle,
};
