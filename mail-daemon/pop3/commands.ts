// The POP3 command table: RFC 1939 (USER PASS QUIT STAT LIST RETR DELE NOOP RSET TOP UIDL),
// RFC 2449 (CAPA), RFC 2595 (STLS), RFC 5034 (AUTH PLAIN with an initial response).
import { Code, err, ok } from './codes';
import { decodeBase64, messageNumber, multiline, parsePlain, stuffed, topOf } from './protocol';
import type { Command, CommandSession, CommandTable, Listing } from './types';

const BOTH = ['authorization', 'transaction'] as const;
const AUTHORIZATION = ['authorization'] as const;
const TRANSACTION = ['transaction'] as const;

const PLAINTEXT_REFUSED = 'Authentication is only allowed over TLS: use STLS or port 995';
const NO_SUCH_MESSAGE = 'No such message';

/** RFC 2449 §6: what this connection offers now (credentials only under TLS, RFC 2595 §2.5). */
export function capabilities(s: CommandSession): string[] {
  const caps = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER'];
  if (s.secure) caps.push('USER', 'SASL PLAIN');
  if (s.canStartTls && s.state === 'authorization') caps.push('STLS');
  caps.push('IMPLEMENTATION Postern');
  return caps;
}

/** The listing, for handlers of TRANSACTION-only commands (the table guarantees the state). */
function listing(s: CommandSession): Listing {
  return s.listing!;
}

async function loginPlain(s: CommandSession, response: string): Promise<void> {
  if (response === '*') return s.send(err('Authentication cancelled'));
  const decoded = response === '=' ? Buffer.alloc(0) : decodeBase64(response);
  const plain = decoded && parsePlain(decoded);
  if (!plain) return s.send(err('Invalid SASL PLAIN response'));
  if (plain.authzid && plain.authzid !== plain.authcid) return s.send(err('Cannot act as another user', Code.AUTH));
  return s.authenticate(plain.authcid, plain.password);
}

const commands: Record<string, Command> = {
  CAPA: {
    states: BOTH,
    handle: (s) => s.send(multiline(ok('Capability list follows'), capabilities(s))),
  },
  NOOP: { states: TRANSACTION, handle: (s) => s.send(ok()) },
  QUIT: { states: BOTH, handle: (s) => s.quit() },
  STLS: {
    states: AUTHORIZATION,
    async handle(s) {
      if (!s.canStartTls) return s.send(err(s.secure ? 'Command not permitted when TLS active' : 'STLS is not offered here'));
      await s.send(ok('Begin TLS negotiation'));
      await s.startTls();
    },
  },
  USER: {
    states: AUTHORIZATION,
    async handle(s, args) {
      if (!s.secure) return s.send(err(PLAINTEXT_REFUSED, Code.AUTH));
      if (args.length !== 1 || !args[0]) return s.send(err('USER takes one argument: the address'));
      s.user = args[0];
      // The same answer for every name: whether it exists is for PASS to decide, silently.
      return s.send(ok('Send the password'));
    },
  },
  PASS: {
    states: AUTHORIZATION,
    async handle(s, args) {
      if (!s.secure) return s.send(err(PLAINTEXT_REFUSED, Code.AUTH));
      const user = s.user;
      s.user = null;
      if (user === null) return s.send(err('USER first'));
      // RFC 1939 §7: the password is the rest of the line, spaces included.
      return s.authenticate(user, args.join(' '));
    },
  },
  AUTH: {
    states: AUTHORIZATION,
    async handle(s, args) {
      if (!s.secure) return s.send(err(PLAINTEXT_REFUSED, Code.AUTH));
      if (args.length === 0) return s.send(multiline(ok('Mechanisms follow'), ['PLAIN']));
      if (args[0].toUpperCase() !== 'PLAIN' || args.length > 2) return s.send(err('Unsupported authentication mechanism'));
      if (args.length === 2) return loginPlain(s, args[1]);
      s.continuation((line) => loginPlain(s, line));
      return s.send(Buffer.from('+ \r\n'));
    },
  },
  STAT: {
    states: TRANSACTION,
    handle: (s) => s.send(ok(`${listing(s).live().length} ${listing(s).octets}`)),
  },
  LIST: {
    states: TRANSACTION,
    async handle(s, args) {
      const l = listing(s);
      if (args.length) {
        const n = messageNumber(args[0]);
        const m = l.message(n);
        return s.send(m ? ok(`${n} ${m.size}`) : err(NO_SUCH_MESSAGE));
      }
      const live = l.live();
      return s.send(multiline(ok(`${live.length} messages (${l.octets} octets)`), live.map(([n, m]) => `${n} ${m.size}`)));
    },
  },
  UIDL: {
    states: TRANSACTION,
    async handle(s, args) {
      const l = listing(s);
      if (args.length) {
        const n = messageNumber(args[0]);
        const m = l.message(n);
        return s.send(m ? ok(`${n} ${l.uidl(m)}`) : err(NO_SUCH_MESSAGE));
      }
      return s.send(multiline(ok('Unique-id listing follows'), l.live().map(([n, m]) => `${n} ${l.uidl(m)}`)));
    },
  },
  RETR: {
    states: TRANSACTION,
    async handle(s, args) {
      const m = listing(s).message(messageNumber(args[0]));
      if (!m || args.length !== 1) return s.send(err(NO_SUCH_MESSAGE));
      const raw = await listing(s).maildrop.read(m.uid);
      if (!raw) return s.send(err('Message was removed by another session'));
      return s.send(ok(`${raw.length} octets`), stuffed(raw));
    },
  },
  TOP: {
    states: TRANSACTION,
    async handle(s, args) {
      const m = listing(s).message(messageNumber(args[0]));
      const lines = messageNumber(args[1]);
      if (args.length !== 2 || lines === null) return s.send(err('TOP takes a message number and a number of lines'));
      if (!m) return s.send(err(NO_SUCH_MESSAGE));
      const raw = await listing(s).maildrop.read(m.uid);
      if (!raw) return s.send(err('Message was removed by another session'));
      return s.send(ok('Top of message follows'), stuffed(topOf(raw, lines)));
    },
  },
  DELE: {
    states: TRANSACTION,
    async handle(s, args) {
      const l = listing(s);
      const n = messageNumber(args[0]);
      if (n !== null && l.isMarked(n)) return s.send(err(`Message ${n} already deleted`));
      if (!l.message(n) || args.length !== 1) return s.send(err(NO_SUCH_MESSAGE));
      l.mark(n!);
      return s.send(ok(`Message ${n} deleted`));
    },
  },
  RSET: {
    states: TRANSACTION,
    async handle(s) {
      const l = listing(s);
      l.unmarkAll();
      return s.send(ok(`${l.live().length} messages (${l.octets} octets)`));
    },
  },
};

export const COMMANDS: CommandTable = commands;
