// A real remote MX for the outbound tests, on smtp-server: it listens on a loopback
// address (127.0.0.x) and port, offers STARTTLS (or implicit TLS, or no TLS) with a
// certificate from a test CA, records every transaction it receives, can be told to
// refuse a recipient or the whole DATA with a given reply, and counts connections.
// The test CA and certificates are made with the openssl CLI.
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { openssl, tmpDir, write } from './certificates';
import fs from 'node:fs';
import path from 'node:path';

export interface KeyPair {
  key: string;
  cert: string;
}

export interface TestCa extends KeyPair {
  /** A leaf for these DNS names, signed by the CA; `cert` is leaf + CA (the chain a server sends). */
  issue(names: string[], options?: { days?: number; notAfterPast?: boolean }): KeyPair & { leaf: string };
}

function run(args: string[]): void {
  const r = openssl(args);
  if (r.code !== 0) throw new Error(`openssl ${args[0]} failed: ${r.err}`);
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function createTestCa(commonName = 'Postern Test CA'): TestCa {
  const dir = tmpDir();
  const caKey = path.join(dir, 'ca.key');
  const caCert = path.join(dir, 'ca.crt');
  run(['req', '-x509', ...EC, '-keyout', caKey, '-out', caCert, '-days', '30', '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  let serial = 0;
  const ca = { key: fs.readFileSync(caKey, 'utf8'), cert: fs.readFileSync(caCert, 'utf8') };
  return {
    ...ca,
    issue(names, options = {}) {
      const n = ++serial;
      const key = path.join(dir, `leaf${n}.key`);
      const csr = path.join(dir, `leaf${n}.csr`);
      const crt = path.join(dir, `leaf${n}.crt`);
      const ext = write(dir, `leaf${n}.ext`, `subjectAltName=${names.map((d) => `DNS:${d}`).join(',')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      run(['req', '-new', ...EC, '-keyout', key, '-out', csr, '-subj', `/CN=${names[0]}`]);
      if (options.notAfterPast) {
        // openssl 3.0's x509 cannot set dates in the past; `openssl ca` can.
        const db = write(dir, `index${n}.txt`, '');
        write(dir, `serial${n}`, `${(0x1000 + n).toString(16)}\n`);
        const cfg = write(dir, `ca${n}.cnf`, `[ca]\ndefault_ca = d\n[d]\ndatabase = ${db}\nnew_certs_dir = ${dir}\nserial = ${path.join(dir, `serial${n}`)}\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n`);
        run(['ca', '-batch', '-notext', '-config', cfg, '-cert', caCert, '-keyfile', caKey, '-in', csr, '-out', crt,
          '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-extfile', ext]);
      } else {
        run(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-set_serial', String(1000 + n), '-days', String(options.days ?? 30), '-extfile', ext, '-out', crt]);
      }
      const leaf = fs.readFileSync(crt, 'utf8');
      return { key: fs.readFileSync(key, 'utf8'), leaf, cert: leaf + ca.cert };
    },
  };
}

/** A self-signed certificate for these names (trusted by nobody; DANE-EE can still pin it). */
export function selfSigned(names: string[]): KeyPair {
  const dir = tmpDir();
  run(['req', '-x509', ...EC, '-keyout', path.join(dir, 'k'), '-out', path.join(dir, 'c'), '-days', '30', '-subj', `/CN=${names[0]}`,
    '-addext', `subjectAltName=${names.map((d) => `DNS:${d}`).join(',')}`]);
  return { key: fs.readFileSync(path.join(dir, 'k'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'c'), 'utf8') };
}

export interface SinkTransaction {
  mailFrom: string;
  /** MAIL parameters (SIZE, RET, ENVID, BODY…), upper-case keys. */
  mailArgs: Record<string, string | boolean>;
  rcptTo: Array<{ address: string; args: Record<string, string | boolean> }>;
  raw: Buffer;
  /** Null for a cleartext session. */
  tls: { protocol: string; cipher: string } | null;
  /** The AUTH user, when the client authenticated. */
  user: string | null;
  /** The name the client gave in EHLO/HELO. */
  helo: string;
}

export interface SinkOptions {
  /** Loopback address (default 127.0.0.2). */
  host?: string;
  /** Default 0 (any free port); pass another sink's port to share it on another address. */
  port?: number;
  /** The certificate for STARTTLS (or implicit TLS); without it the sink offers no TLS at all. */
  tls?: KeyPair | null;
  /** RFC 8314 implicit TLS instead of STARTTLS. */
  implicitTls?: boolean;
  /** Require AUTH with these credentials before MAIL (a smarthost). */
  auth?: { username: string; password: string };
  /** Offer PIPELINING (default true) and DSN (default true). */
  pipelining?: boolean;
  dsn?: boolean;
  size?: number;
}

export interface RunningSink {
  host: string;
  port: number;
  transactions: SinkTransaction[];
  /** TCP connections accepted so far. */
  connections: number;
  /** Answer this code and text to RCPT TO for the address (null: accept again). */
  rcptReply(address: string, reply: { code: number; text: string } | null): void;
  /** Answer this code and text after DATA for every message (null: accept again). */
  dataReply(reply: { code: number; text: string } | null): void;
  close(): Promise<void>;
}

const replyError = (r: { code: number; text: string }) => Object.assign(new Error(r.text), { responseCode: r.code });

export async function startSmtpSink(options: SinkOptions = {}): Promise<RunningSink> {
  const host = options.host ?? '127.0.0.2';
  const transactions: SinkTransaction[] = [];
  const rcptReplies = new Map<string, { code: number; text: string }>();
  let dataReply: { code: number; text: string } | null = null;
  const state = { connections: 0 };
  const hasTls = !!options.tls;

  const server = new SMTPServer({
    name: `sink.${host}`,
    secure: hasTls && !!options.implicitTls,
    key: options.tls?.key,
    cert: options.tls?.cert,
    minVersion: 'TLSv1.2',
    hideSTARTTLS: !hasTls || !!options.implicitTls,
    disabledCommands: [...(hasTls && !options.implicitTls ? [] : ['STARTTLS']), ...(options.auth ? [] : ['AUTH'])],
    authOptional: !options.auth,
    authMethods: ['PLAIN', 'LOGIN'],
    hidePIPELINING: options.pipelining === false,
    hideDSN: options.dsn === false,
    size: options.size,
    logger: false,
    // Close lingering client connections quickly when a test ends.
    closeTimeout: 500,
    onConnect(_session, cb) {
      state.connections++;
      cb();
    },
    onAuth(auth, _session, cb) {
      if (options.auth && auth.username === options.auth.username && auth.password === options.auth.password) return cb(null, { user: auth.username });
      cb(replyError({ code: 535, text: '5.7.8 Authentication credentials invalid' }));
    },
    onRcptTo(address: SMTPServerAddress, _session, cb) {
      const r = rcptReplies.get(address.address.toLowerCase());
      cb(r ? replyError(r) : null);
    },
    onData(stream, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (dataReply) return cb(replyError(dataReply));
        const env = session.envelope;
        const from = env.mailFrom;
        const t = session.tlsOptions;
        transactions.push({
          mailFrom: from ? from.address : '',
          mailArgs: (from ? (from.args as Record<string, string | boolean>) : {}) || {},
          rcptTo: env.rcptTo.map((r) => ({ address: r.address, args: (r.args as Record<string, string | boolean>) || {} })),
          raw: Buffer.concat(chunks),
          tls: t ? { protocol: String(t.version ?? ''), cipher: String(t.standardName ?? t.name ?? '') } : null,
          user: (session.user as string | undefined) ?? null,
          helo: session.hostNameAppearsAs,
        });
        cb(null, 'Message accepted');
      });
    },
  });
  server.on('error', () => {});

  const port = await new Promise<number>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.server.off('error', reject);
      resolve((server.server.address() as { port: number }).port);
    });
  });

  return {
    host,
    port,
    transactions,
    get connections() {
      return state.connections;
    },
    rcptReply(address, reply) {
      if (reply) rcptReplies.set(address.toLowerCase(), reply);
      else rcptReplies.delete(address.toLowerCase());
    },
    dataReply(reply) {
      dataReply = reply;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
