// `postern backup` and `postern restore` as subprocesses, on real databases: a server seeded
// through the services (domain, mailboxes, mail with 8-bit bytes, an APPENDed message with flags,
// a certificate with its sealed key, an active DKIM key, changed policies, a queued message under
// a lease) is backed up once, then restored into a new empty database and into a new data
// directory with its own embedded cluster. The restored server is checked from outside: the real
// daemon on it serves the same bytes over IMAP FETCH and the same certificate over TLS, the
// restored DKIM key makes signatures dkimpy accepts.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { activateCertificate, createCa, issueServerCertificate } from '@/lib/certificates';
import { loadSecrets } from '@/lib/config/secrets';
import { unseal } from '@/lib/crypto/seal';
import { createPrisma } from '@/lib/db/prisma';
import { activateDkimKey, checkDkimDns, dkimSigningKeys, generateDkimKey } from '@/lib/dkim';
import { dkimRecordValue } from '@/lib/dkim/dns-record';
import { createResolver } from '@/lib/dns/resolver';
import { txtStrings } from '@/lib/dns/txt';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { updatePolicy } from '@/lib/policy';
import { freePort, openEmbedded, type EmbeddedCluster } from '@/lib/postgres/embedded';
import { dkimSignatureFor, withSignature } from '@/mail-daemon/dkim/sign';
import { createPgMailStore } from '@/mail-daemon/store';
import { deliver } from '@/mail-daemon/store/deliver';
import { tmpDir } from '@/mail-daemon/testing/certificates';
import { postern, type CliResult } from '@/mail-daemon/testing/cli';
import { spawnDaemon, TEST_MASTER_KEY, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { dkimpyVerify } from '@/mail-daemon/testing/dkimpy';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { EXCLUDED_TABLES } from './manifest';

process.env.POSTERN_SECRET = TEST_MASTER_KEY;
process.env.POSTERN_HOSTNAME ??= 'mail.backup.test';

const PASSPHRASE = 'correct horse battery staple';
/** Secrets as the data directory holds them, without this process's POSTERN_SECRET. */
const NO_ENV = {} as NodeJS.ProcessEnv;
const PASSWORD = 'Correct-Horse-Battery-9';
const HOST = 'mail.backup.test';

let src: TestDatabase;
let pool: pg.Pool;
let dns: RunningDnsServer;
let tmp: string;
let archive: string;
let certFingerprint: string;
const cleanups: (() => Promise<void>)[] = [];

/** Every printable and 8-bit byte (line ends are CRLF as stored), a body that is not ASCII. */
function eightBitMessage(): Buffer {
  const bytes: number[] = [];
  for (let b = 1; b < 256; b++) if (b !== 10 && b !== 13) bytes.push(b);
  return Buffer.concat([
    Buffer.from('From: Zoë <zoe@remote.test>\r\nTo: alice@backup.test\r\nSubject: =?utf-8?q?8-bit_=C3=BC?=\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'),
    Buffer.from(bytes),
    Buffer.from('\r\nFrom here on a line that mbox would quote\r\n>From an already quoted one\r\n'),
  ]);
}
const plainMessage = (subject: string) =>
  Buffer.from(`From: Bob <bob@remote.test>\r\nTo: alice@backup.test\r\nSubject: ${subject}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, '')}@remote.test>\r\n\r\nHello ${subject}.\r\n`);

function cli(args: string[], env: Record<string, string | undefined>, input?: string): Promise<CliResult> {
  return postern(args, { cwd: tmp, env: { POSTERN_BACKUP_PASSPHRASE: PASSPHRASE, ...env }, input });
}

/** A data directory path that does not exist yet, removed with the rest. */
const scratch = () => path.join(fs.mkdtempSync(path.join(tmp, 'd-')), 'data');

/** A table's rows as one digest, for comparing two databases. */
async function digest(client: pg.Pool, table: string, where = ''): Promise<{ rows: number; md5: string | null }> {
  const r = await client.query(`SELECT count(*)::int AS rows, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS md5 FROM "${table}" t ${where}`);
  return r.rows[0];
}

beforeAll(async () => {
  tmp = tmpDir();
  src = await createTestDatabase();
  pool = src.pool(4);
  dns = await startDnsServer();
  const db = src.prisma;
  await addDomain(db, SYSTEM, { name: 'backup.test' });
  const alice = await createMailbox(db, SYSTEM, { address: 'alice@backup.test', password: PASSWORD, quota: '1G' });
  await createMailbox(db, SYSTEM, { address: 'bob@backup.test', password: PASSWORD });

  await deliver(pool, { raw: plainMessage('first'), recipients: [{ mailboxId: alice.mailbox.id }], internalDate: new Date('2026-11-24T10:00:01Z') });
  await deliver(pool, { raw: eightBitMessage(), recipients: [{ mailboxId: alice.mailbox.id }], internalDate: new Date('2026-11-25T11:00:00Z') });
  // Large enough that the file has several chunks and a blob's COPY data spans them.
  const attachment = randomBytes(3 * 1024 * 1024).toString('base64').replace(/.{76}/g, '$&\r\n');
  await deliver(pool, { raw: Buffer.from(`Subject: large\r\nContent-Transfer-Encoding: base64\r\n\r\n${attachment}\r\n`), recipients: [{ mailboxId: alice.mailbox.id }], internalDate: new Date('2026-11-25T12:00:00Z') });
  const session = await createPgMailStore({ pool }).open(alice.mailbox.id);
  const sent = plainMessage('sent by alice');
  await session.append('Sent', { size: sent.length, data: sent, flags: ['\\Seen', '$Label1'], internalDate: new Date('2026-11-26T12:00:00Z') });

  await createCa(db, SYSTEM, { commonName: 'Backup Test Root', keySpec: 'ec-p256' });
  const cert = await issueServerCertificate(db, SYSTEM, { hosts: [HOST], keySpec: 'ec-p256' });
  await activateCertificate(db, SYSTEM, cert.id);
  certFingerprint = cert.fingerprintSha256;

  const key = await generateDkimKey(db, SYSTEM, { domain: 'backup.test', type: 'ed25519', selector: 'b1' });
  dns.set({ [key.record.name]: { TXT: [key.record.strings] } });
  expect((await checkDkimDns(db, SYSTEM, { domain: 'backup.test', selector: 'b1' }, createResolver({ servers: [dns.server], timeoutMs: 2000 }))).status).toBe('found');
  await activateDkimKey(db, SYSTEM, { domain: 'backup.test', selector: 'b1' });

  await updatePolicy(db, SYSTEM, { domainId: null, settings: { maxRecipients: 42, spfFailAction: 'reject', greylisting: { enabled: true } } });
  const domain = await db.domain.findUniqueOrThrow({ where: { name: 'backup.test' } });
  await updatePolicy(db, SYSTEM, { domainId: domain.id, settings: { dkimRetireGraceDays: 3 } });

  // A queued message a daemon of this server holds under a lease, and rows that belong to the running server only.
  const blob = await pool.query(`SELECT blob_id FROM mail_messages LIMIT 1`);
  await pool.query(
    `INSERT INTO outbound_queue (queue_id, blob_id, mail_from, rcpt, domain, dsn_notify, lease_owner, lease_until)
     VALUES ('Q1', $1, 'alice@backup.test', 'x@remote.test', 'remote.test', '{}', 'daemon-of-the-old-server', now() + interval '1 minute')`,
    [blob.rows[0].blob_id],
  );
  await pool.query(`INSERT INTO daemon_status (instance_id, hostname, version, started_at, heartbeat_at) VALUES ('d1', 'old', '0', now(), now())`);
  await pool.query(`INSERT INTO auth_throttle (key, failures) VALUES ('ip:192.0.2.1', 3)`);

  const r = await cli(['backup', '--out', 'server.pbk'], { DATABASE_URL: src.url, POSTERN_DATA_DIR: path.join(tmp, 'src-data') });
  expect(r.stderr).toMatch(/^backup: mail_blobs: 4 rows \(\d+ bytes\)$/m);
  expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(/^wrote .*server\.pbk \(\d+ bytes: \d+ tables, \d+ rows, the master key\)\n$/) });
  archive = path.join(tmp, 'server.pbk');
}, 180_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await pool?.end();
  await dns?.close();
  await src?.drop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('postern backup', () => {
  it('is encrypted: no mail, key or master key in the clear; refused over an existing file; audited', async () => {
    const bytes = fs.readFileSync(archive);
    expect(bytes.subarray(0, 15).toString()).toBe('postern-backup\n');
    for (const clear of ['Hello first', 'alice@backup.test', TEST_MASTER_KEY, 'BEGIN']) expect(bytes.includes(Buffer.from(clear))).toBe(false);
    const again = await cli(['backup', '--out', 'server.pbk'], { DATABASE_URL: src.url, POSTERN_DATA_DIR: path.join(tmp, 'src-data') });
    expect(again).toEqual({ code: 1, stdout: '', stderr: 'postern: server.pbk exists: choose another --out (a backup never overwrites a file)\n' });
    const row = await src.prisma.auditLog.findFirstOrThrow({ where: { action: 'backup.create' } });
    expect(row).toMatchObject({ actor: expect.stringMatching(/^cli:/), target: archive });
  });

  it('refuses a master key that does not unseal the database, and a passphrase on no channel', async () => {
    const wrongKey = await cli(['backup', '--out', 'x.pbk'], { DATABASE_URL: src.url, POSTERN_DATA_DIR: path.join(tmp, 'src-data'), POSTERN_SECRET: 'another-master-key-0123456789' });
    expect(wrongKey).toEqual({ code: 1, stdout: '', stderr: "postern: the master key this command runs with does not unseal the database's keys (certificates): run it with the server's POSTERN_SECRET or data directory\n" });
    const none = await cli(['backup', '--out', 'x.pbk'], { DATABASE_URL: src.url, POSTERN_BACKUP_PASSPHRASE: '' });
    expect(none).toEqual({ code: 1, stdout: '', stderr: 'postern: passphrase: set POSTERN_BACKUP_PASSPHRASE, give --passphrase-file, or run on a terminal to be asked\n' });
    expect(fs.existsSync(path.join(tmp, 'x.pbk'))).toBe(false);
    expect(fs.existsSync(path.join(tmp, 'x.pbk.partial'))).toBe(false);
  });
});

describe('postern restore refuses, exit 1 with one line, writing nothing', () => {
  let target: TestDatabase;
  beforeAll(async () => {
    target = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => target?.drop());

  const tables = async () => (await target.pool(1).query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0].n;

  it.each([
    ['a wrong passphrase', (f: string) => f, { POSTERN_BACKUP_PASSPHRASE: 'not the passphrase' }, 'postern: wrong passphrase for this backup'],
    ['a truncated file', (f: string) => cut(f, 0.5), {}, /^postern: \S+ is truncated \(it ends inside chunk \d+\)$/],
    ['a file without its last chunk', (f: string) => cut(f, -1), {}, /^postern: \S+ is truncated \(it ends before its last chunk\)$/],
    ['one flipped bit', (f: string) => flip(f), {}, /^postern: \S+ is damaged \(chunk \d+ fails its authentication\)$/],
    ['not a backup', (f: string) => write(f, Buffer.from('hello\n')), {}, /^postern: \S+ is not a Postern backup$/],
  ] as const)('%s', async (_name, damage, env, message) => {
    const file = damage(archive);
    const dataDir = scratch();
    const r = await cli(['restore', file], { DATABASE_URL: target.url, POSTERN_DATA_DIR: dataDir, POSTERN_SECRET: undefined, ...env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(await tables()).toBe(0);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('a database that is not empty, and a POSTERN_SECRET that is another key', async () => {
    const used = await cli(['restore', archive], { DATABASE_URL: src.url, POSTERN_DATA_DIR: scratch(), POSTERN_SECRET: undefined });
    expect(used).toMatchObject({ code: 1, stdout: '' });
    expect(used.stderr).toMatch(/^postern: the database is not empty \(\w+ has rows\): restore into an empty database or data directory\n$/);
    const otherKey = await cli(['restore', archive], { DATABASE_URL: target.url, POSTERN_SECRET: 'another-master-key-0123456789' });
    expect(otherKey).toEqual({ code: 1, stdout: '', stderr: "postern: POSTERN_SECRET is not the backup's master key: unset it (restore writes the backup's key into the data directory) or set it to that key\n" });
    expect(await tables()).toBe(0);
  });
});

function cut(file: string, at: number): string {
  const bytes = fs.readFileSync(file);
  // A fraction of the file, or (negative) everything before the last chunk: its 5-byte head, body and tag.
  const end = at > 0 ? Math.floor(bytes.length * at) : lastChunkStart(bytes);
  return write(file, bytes.subarray(0, end));
}
function lastChunkStart(bytes: Buffer): number {
  let pos = 15 + 4 + 16 + 32;
  for (;;) {
    const len = bytes.readUInt32BE(pos + 1);
    if (bytes[pos] === 1) return pos;
    pos += 5 + len + 16;
  }
}
function flip(file: string): string {
  const bytes = Buffer.from(fs.readFileSync(file));
  bytes[Math.floor(bytes.length / 2)] ^= 0x10;
  return write(file, bytes);
}
let written = 0;
function write(_file: string, bytes: Buffer): string {
  const out = path.join(tmp, `damaged-${written++}.pbk`);
  fs.writeFileSync(out, bytes);
  return out;
}

describe('postern restore into a new empty database', () => {
  let target: TestDatabase;
  let tpool: pg.Pool;
  let dataDir: string;
  let restored: CliResult;
  beforeAll(async () => {
    target = await createTestDatabase({ migrated: false });
    tpool = target.pool(2);
    dataDir = scratch();
    restored = await cli(['restore', archive], { DATABASE_URL: target.url, POSTERN_DATA_DIR: dataDir, POSTERN_SECRET: undefined });
  }, 120_000);
  afterAll(async () => {
    await tpool?.end();
    await target?.drop();
  });

  it('says what it did, on stderr as it goes and on stdout at the end; audited', async () => {
    expect(restored.stderr).toMatch(/^restore: \S+server\.pbk: backup of \S+, \d+ tables, verified$/m);
    expect(restored.stderr).toMatch(/^restore: master key: the backup's, written to \S+secrets\.json$/m);
    expect(restored.stderr).toMatch(/^restore: mail_blobs: 4 rows$/m);
    expect(restored).toMatchObject({ code: 0, stdout: expect.stringMatching(/^restored \S+server\.pbk: \d+ tables, \d+ rows \(backup of .+\)\n$/) });
    expect((await tpool.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'backup.restore'`)).rows[0].n).toBe(1);
  });

  it('holds every table row for row, but the excluded ones empty and the leases reset', async () => {
    const tables = (await tpool.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.t);
    expect(tables).toEqual((await pool.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.t));
    for (const t of tables) {
      if (t in EXCLUDED_TABLES || t === 'outbound_queue') continue;
      // Each side audits its own backup/restore after the snapshot.
      const where = t === 'audit_log' ? `WHERE action NOT LIKE 'backup.%'` : '';
      expect({ t, ...(await digest(tpool, t, where)) }).toEqual({ t, ...(await digest(pool, t, where)) });
    }
    expect((await tpool.query(`SELECT queue_id, lease_owner, lease_until FROM outbound_queue`)).rows).toEqual([{ queue_id: 'Q1', lease_owner: null, lease_until: null }]);
    for (const t of ['daemon_status', 'auth_throttle', 'admin_sessions']) expect((await digest(tpool, t)).rows).toBe(0);
    const migrations = `SELECT migration_name, checksum FROM _prisma_migrations ORDER BY 1`;
    expect((await tpool.query(migrations)).rows).toEqual((await pool.query(migrations)).rows);
  });

  it('continues every sequence past what it handed out: new audit rows and folders do not collide', async () => {
    for (const [table, seq] of [['audit_log', 'audit_log_id_seq'], ['junk_training', 'junk_training_id_seq']]) {
      const r = await tpool.query(`SELECT (SELECT last_value FROM ${seq}) AS last, (SELECT COALESCE(max(id), 0) FROM ${table}) AS max`);
      expect(BigInt(r.rows[0].last)).toBeGreaterThanOrEqual(BigInt(r.rows[0].max));
    }
    await tpool.query(`INSERT INTO audit_log (actor, action) VALUES ('test', 'test.after-restore')`);
    const alice = (await tpool.query(`SELECT id FROM mailboxes WHERE address = 'alice@backup.test'`)).rows[0].id;
    await tpool.query(`INSERT INTO mail_folders (mailbox_id, name) VALUES ($1, 'New')`, [alice]);
    const v = (await tpool.query(`SELECT uid_validity FROM mail_folders WHERE mailbox_id = $1`, [alice])).rows;
    expect(new Set(v.map((x) => x.uid_validity)).size).toBe(v.length);
  });

  it('wrote the backup master key into the data directory; a second restore is refused', async () => {
    expect(loadSecrets(dataDir, NO_ENV).masterKey).toBe(TEST_MASTER_KEY);
    expect(fs.statSync(path.join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    const again = await cli(['restore', archive], { DATABASE_URL: target.url, POSTERN_DATA_DIR: dataDir, POSTERN_SECRET: undefined });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^postern: the database is not empty/);
  });
});

describe('postern restore into a database already migrated, without rows', () => {
  it('takes it: the global policy row the first migration wrote gives way to the backup\'s', async () => {
    const target = await createTestDatabase();
    try {
      const r = await cli(['restore', archive], { DATABASE_URL: target.url, POSTERN_DATA_DIR: scratch(), POSTERN_SECRET: undefined });
      expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(/^restored /) });
      const q = { select: { domainId: true, settings: true }, orderBy: { domainId: 'asc' as const } };
      expect(await target.prisma.policy.findMany(q)).toEqual(await src.prisma.policy.findMany(q));
    } finally {
      await target.drop();
    }
  });
});

describe('postern restore into a new data directory (embedded Postgres)', () => {
  let dataDir: string;
  let cluster: EmbeddedCluster;
  let daemon: DaemonProcess;
  let imaps: number;
  beforeAll(async () => {
    const base = tmpDir();
    // Run as root, the embedded Postgres runs as the postgres user, who must reach the data directory.
    fs.chmodSync(base, 0o755);
    cleanups.push(async () => fs.rmSync(base, { recursive: true, force: true }));
    dataDir = path.join(base, 'data');
    const r = await cli(['restore', archive], { DATABASE_URL: undefined, POSTERN_DATA_DIR: dataDir, POSTERN_SECRET: undefined });
    expect(r.stderr).toMatch(/^restore: mail_blobs: 4 rows$/m);
    expect(r.code).toBe(0);
    // The restored server as `npm start` would run it: its embedded cluster, its secrets.json, no POSTERN_SECRET.
    const secrets = loadSecrets(dataDir, NO_ENV);
    cluster = await openEmbedded(path.join(dataDir, 'postgres'), secrets.postgresPassword);
    cleanups.push(() => cluster.stop());
    imaps = await freePort();
    daemon = await spawnDaemon(cluster.url, dataDir, { POSTERN_SECRET: '', POSTERN_HOSTNAME: HOST, POSTERN_IMAPS_PORT: String(imaps) });
    cleanups.push(async () => {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    });
  }, 180_000);

  it('serves every message byte for byte over IMAP FETCH, with its flags and internal date', async () => {
    const client = new ImapFlow({ host: '127.0.0.1', port: imaps, secure: true, tls: { rejectUnauthorized: false, servername: HOST }, auth: { user: 'alice@backup.test', pass: PASSWORD }, logger: false });
    await client.connect();
    try {
      const stored = (
        await pool.query(
          `SELECT f.name, m.uid, b.raw, m.flags, m.internal_date FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id JOIN mail_blobs b ON b.id = m.blob_id
            JOIN mailboxes x ON x.id = f.mailbox_id WHERE x.address = 'alice@backup.test' ORDER BY f.name, m.uid`,
        )
      ).rows;
      expect(stored.map((s) => s.name)).toEqual(['INBOX', 'INBOX', 'INBOX', 'Sent']);
      for (const s of stored) {
        const lock = await client.getMailboxLock(s.name);
        try {
          const msg = await client.fetchOne(String(s.uid), { source: true, flags: true, internalDate: true }, { uid: true });
          expect(msg && Buffer.compare(msg.source!, s.raw)).toBe(0);
          expect(msg && [...msg.flags!].filter((f) => f !== '\\Recent').sort()).toEqual([...s.flags].sort());
          expect(msg && new Date(msg.internalDate!).getTime()).toBe(s.internal_date.getTime());
        } finally {
          lock.release();
        }
      }
    } finally {
      await client.logout();
    }
  });

  it('serves the restored certificate, its key unsealed with the master key written to the data directory', async () => {
    const fingerprint = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: imaps, servername: HOST, rejectUnauthorized: false }, () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.end();
      });
      socket.on('error', reject);
    });
    expect(fingerprint.replace(/:/g, '').toLowerCase()).toBe(certFingerprint.replace(/:/g, '').toLowerCase());
  });

  it('the restored DKIM key signs, and dkimpy verifies against its record', async () => {
    const db = createPrisma(cluster.url, 1);
    try {
      const [key] = await dkimSigningKeys(db);
      expect(key).toMatchObject({ domain: 'backup.test', selector: 'b1', algorithm: 'ed25519' });
      const row = await db.dkimKey.findFirstOrThrow({ where: { selector: 'b1' } });
      expect(unseal(row.privateKeySealed, loadSecrets(dataDir, NO_ENV).masterKey).toString()).toBe(key.privateKeyPem);
      dns.set({ 'b1._domainkey.backup.test': { TXT: [txtStrings(dkimRecordValue('ed25519', row.publicKey))] } });
      const raw = plainMessage('signed after restore');
      const signed = withSignature(raw, await dkimSignatureFor(raw, key));
      const verdict = await dkimpyVerify(signed, dns.server);
      expect(verdict).toMatchObject({ ok: true, d: 'backup.test', s: 'b1' });
    } finally {
      await db.$disconnect();
    }
  });

  it('kept the policies', async () => {
    const db = createPrisma(cluster.url, 1);
    try {
      const q = { select: { domainId: true, settings: true }, orderBy: { domainId: 'asc' as const } };
      expect(await db.policy.findMany(q)).toEqual(await src.prisma.policy.findMany(q));
      expect((await db.policy.findMany(q)).map((p) => p.settings)).toContainEqual({ dkimRetireGraceDays: 3 });
    } finally {
      await db.$disconnect();
    }
  });
});

describe('postern backup while mail arrives', () => {
  it('is one snapshot: in the restored copy every quota is the sum of its messages and every folder is ahead of its UIDs', async () => {
    const alice = (await pool.query(`SELECT id FROM mailboxes WHERE address = 'alice@backup.test'`)).rows[0].id;
    const bob = (await pool.query(`SELECT id FROM mailboxes WHERE address = 'bob@backup.test'`)).rows[0].id;
    const before = (await pool.query(`SELECT count(*)::int AS n FROM mail_messages`)).rows[0].n;
    let running = true;
    let delivered = 0;
    // Deliveries to both mailboxes for as long as the backup runs, each charging quota in its own transaction.
    const load = (async () => {
      while (running) {
        await deliver(pool, { raw: plainMessage(`during ${delivered}`), recipients: [{ mailboxId: alice }, { mailboxId: bob }] });
        delivered++;
      }
    })();
    const r = await cli(['backup', '--out', 'during.pbk'], { DATABASE_URL: src.url, POSTERN_DATA_DIR: path.join(tmp, 'src-data') });
    running = false;
    await load;
    expect(r.code).toBe(0);
    expect(delivered).toBeGreaterThan(0);

    const target = await createTestDatabase({ migrated: false });
    const tp = target.pool(1);
    try {
      expect((await cli(['restore', 'during.pbk'], { DATABASE_URL: target.url, POSTERN_DATA_DIR: scratch(), POSTERN_SECRET: undefined })).code).toBe(0);
      const quota = await tp.query(
        `SELECT x.address, x.used_bytes::bigint AS used, COALESCE(sum(m.size), 0)::bigint AS sum FROM mailboxes x
           LEFT JOIN mail_folders f ON f.mailbox_id = x.id LEFT JOIN mail_messages m ON m.folder_id = f.id GROUP BY x.id ORDER BY 1`,
      );
      for (const q of quota.rows) expect({ address: q.address, used: q.used }).toEqual({ address: q.address, used: q.sum });
      const ahead = await tp.query(`SELECT count(*)::int AS n FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id WHERE m.uid >= f.uid_next OR m.modseq > f.highest_modseq`);
      expect(ahead.rows[0].n).toBe(0);
      // Alice and Bob got each message together: the snapshot holds both copies or neither.
      const copies = await tp.query(`SELECT count(*)::int AS n FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id JOIN mailboxes x ON x.id = f.mailbox_id WHERE x.address = $1`, ['bob@backup.test']);
      const restored = (await tp.query(`SELECT count(*)::int AS n FROM mail_messages`)).rows[0].n;
      expect(restored - before).toBe(2 * copies.rows[0].n);
    } finally {
      await tp.end();
      await target.drop();
    }
  }, 120_000);
});
