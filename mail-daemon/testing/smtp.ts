// Test fixtures for SMTP tests (and other rooms' tests that need a running SMTP side):
// the real service on free loopback ports over a real database, and a raw-socket
// client for what real clients will not do.
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import type pg from 'pg';
import { readEnv } from '@/lib/config/env';
import { NotifyBus } from '@/lib/db/notify';
import { createPool } from '@/lib/db/pool';
import { createPrisma, type Db } from '@/lib/db/prisma';
import { createLogger } from '@/lib/log';
import { freePort } from '@/lib/postgres/embedded';
import type { DaemonContext } from '@/mail-daemon/context';
import { openDaemonPolicy } from '@/mail-daemon/services/policy';
import { smtpService, type SmtpServiceOptions } from '@/mail-daemon/services/smtp';
import { openTls, type TlsContext } from '@/mail-daemon/tls';
import { afterAll, beforeAll } from 'vitest';
import { TEST_MASTER_KEY } from './daemon';
import { createTestDatabase, type TestDatabase } from './database';
import { seedDirectory } from './directory';


export interface RunningSmtp {
  ports: { mx: number; submission: number; submissions: number };
  hostname: string;
  db: Db;
  pool: pg.Pool;
  reported: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startSmtp(url: string, opts: SmtpServiceOptions & { hostname?: string; env?: Record<string, string> } = {}): Promise<RunningSmtp> {
  const { env: extraEnv, ...options } = opts;
  const hostname = options.hostname ?? 'mx.postern.test';
  const ports = { mx: await freePort(), submission: await freePort(), submissions: await freePort() };
  const env = readEnv({
    DATABASE_URL: url,
    POSTERN_HOSTNAME: hostname,
    POSTERN_DATA_DIR: os.tmpdir(),
    POSTERN_SMTP_PORT: String(ports.mx),
    POSTERN_SUBMISSION_PORT: String(ports.submission),
    POSTERN_SUBMISSIONS_PORT: String(ports.submissions),
    POSTERN_LISTEN_HOST: '127.0.0.1',
    ...extraEnv,
  } as unknown as NodeJS.ProcessEnv);
  const db = createPrisma(url);
  const pool = createPool(url, { max: 10 }); // its listeners take the errors of a test database dropped under idle clients
  const bus = new NotifyBus(url);
  await bus.start();
  const reported: Record<string, unknown> = {};
  const secret = TEST_MASTER_KEY;
  const log = createLogger('smtp-test', process.env.TEST_LOG_LEVEL ?? 'silent');
  const service = smtpService(options);
  try {
    // Built as main.ts builds it: one policy cache on one LISTEN, one TLS provider.
    const base: TlsContext = {
      env,
      secrets: { sessionSecret: secret, masterKey: secret, postgresPassword: '' },
      db,
      pool,
      bus,
      policy: await openDaemonPolicy(db, bus, log),
      log,
      instanceId: `test:${process.pid}`,
      report: (d) => Object.assign(reported, d),
    };
    const ctx: DaemonContext = { ...base, tls: await openTls(base) };
    await service.start(ctx);
  } catch (err) {
    await service.stop().catch(() => {});
    await bus.close();
    await pool.end();
    await db.$disconnect();
    throw err;
  }
  return {
    ports,
    hostname,
    db,
    pool,
    reported,
    async stop() {
      await service.stop();
      await bus.close();
      await pool.end();
      await db.$disconnect();
    },
  };
}

export interface SmtpReply {
  code: number;
  lines: string[];
  /** The whole reply, lines joined with "\n" (without the codes). */
  text: string;
}

/** A line-level SMTP client that does exactly what it is told, nothing more. */
export class RawSmtp {
  private buffer = '';
  private replies: SmtpReply[] = [];
  private waiters: ((r: SmtpReply | null) => void)[] = [];
  private pending: string[] = [];
  private ended = false;

  private constructor(public socket: net.Socket | tls.TLSSocket) {
    this.attach(socket);
  }

  static async connect(port: number, opts: { implicitTls?: boolean; localAddress?: string } = {}): Promise<{ client: RawSmtp; greeting: SmtpReply }> {
    const local = opts.localAddress ? { localAddress: opts.localAddress } : {};
    const socket = opts.implicitTls
      ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, servername: 'mx.postern.test', ...local })
      : net.connect({ port, host: '127.0.0.1', ...local });
    await new Promise<void>((resolve, reject) => {
      socket.once(opts.implicitTls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    const client = new RawSmtp(socket);
    const greeting = await client.read();
    return { client, greeting };
  }

  /** A client on a socket opened by the test (e.g. after writing a PROXY header); `tls`: implicit TLS over it. */
  static async adopt(raw: net.Socket, opts: { tls?: boolean } = {}): Promise<{ client: RawSmtp; greeting: SmtpReply }> {
    let socket: net.Socket = raw;
    if (opts.tls) {
      const secure = tls.connect({ socket: raw, rejectUnauthorized: false, servername: 'mx.postern.test' });
      await new Promise<void>((resolve, reject) => {
        secure.once('secureConnect', () => resolve());
        secure.once('error', reject);
      });
      socket = secure;
    }
    const client = new RawSmtp(socket);
    return { client, greeting: await client.read() };
  }

  private attach(socket: net.Socket | tls.TLSSocket) {
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('end', () => this.finish());
    socket.on('close', () => this.finish());
    socket.on('error', () => this.finish());
  }

  private finish() {
    this.ended = true;
    for (const w of this.waiters.splice(0)) w(null);
  }

  private onData(d: string) {
    this.buffer += d;
    let i;
    while ((i = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 2);
      this.pending.push(line.slice(4));
      if (line[3] !== '-') {
        const reply = { code: Number(line.slice(0, 3)), lines: this.pending, text: this.pending.join('\n') };
        this.pending = [];
        const w = this.waiters.shift();
        if (w) w(reply);
        else this.replies.push(reply);
      }
    }
  }

  /** The next reply; rejects if the server closed the connection first. */
  read(): Promise<SmtpReply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.ended) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => this.waiters.push((r) => (r ? resolve(r) : reject(new Error('connection closed')))));
  }

  /** Resolves true once the server has closed the connection. */
  closed(): Promise<boolean> {
    if (this.ended) return Promise.resolve(true);
    return new Promise((resolve) => this.socket.once('close', () => resolve(true)));
  }

  write(raw: string | Buffer): void {
    this.socket.write(raw);
  }

  async cmd(line: string): Promise<SmtpReply> {
    this.write(line + '\r\n');
    return this.read();
  }

  /** Everything received and not yet read (after the server went quiet for a round trip). */
  async drain(): Promise<SmtpReply[]> {
    await this.cmd('NOOP').then((r) => this.replies.unshift(r)).catch(() => {});
    const out = this.replies.splice(0);
    return out;
  }

  /** Upgrades the socket after the 220 to STARTTLS; returns the TLS facts seen by the client. */
  async upgrade(servername = 'mx.postern.test', options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
    const raw = this.socket as net.Socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('end');
    raw.removeAllListeners('close');
    raw.removeAllListeners('error');
    const secure = tls.connect({ socket: raw, servername, rejectUnauthorized: false, ...options });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.buffer = '';
    this.replies = [];
    this.socket = secure;
    this.attach(secure);
    return secure;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Runs a transcript: each line's reply code must equal the expected one. Returns the replies. */
export async function transcript(client: RawSmtp, steps: [string, number][]): Promise<SmtpReply[]> {
  const out: SmtpReply[] = [];
  for (const [line, code] of steps) {
    const r = await client.cmd(line);
    out.push(r);
    if (r.code !== code) throw new Error(`"${line}" → ${r.code} ${r.text}, expected ${code}`);
  }
  return out;
}

/** EHLO, STARTTLS, EHLO, AUTH PLAIN: a submission client ready for MAIL. */
export async function submissionSession(port: number, user: string, password: string): Promise<RawSmtp> {
  const { client } = await RawSmtp.connect(port);
  await transcript(client, [['EHLO client.test', 250], ['STARTTLS', 220]]);
  await client.upgrade();
  const auth = Buffer.from(`\0${user}\0${password}`).toString('base64');
  await transcript(client, [['EHLO client.test', 250], [`AUTH PLAIN ${auth}`, 235]]);
  return client;
}

/**
 * A test file's SMTP world: its own database with the directory fixtures (seedDirectory), then
 * `prepare` (e.g. a policy), then the SMTP service on it; torn down after the file's tests.
 */
export function seededSmtpWorld(
  ready: (world: { db: TestDatabase; smtp: RunningSmtp }) => void,
  prepare: (db: TestDatabase) => Promise<void> = async () => {},
): void {
  let world: { db: TestDatabase; smtp: RunningSmtp } | undefined;
  beforeAll(async () => {
    const db = await createTestDatabase();
    await seedDirectory(db.prisma);
    await prepare(db);
    world = { db, smtp: await startSmtp(db.url) };
    ready(world);
  });
  afterAll(async () => {
    await world?.smtp.stop();
    await world?.db.drop();
  });
}
