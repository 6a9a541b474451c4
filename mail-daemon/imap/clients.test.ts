// Real clients against the real server over TLS: imapflow (Node), Python's imaplib,
// and mbsync (isync, Debian) syncing INBOX and a folder both ways.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';

const run = promisify(execFile);
let h: ImapHarness;
let n = 0;
const PASSWORD = 'client test password 1';

beforeAll(async () => {
  h = await startImapHarness();
});
afterAll(async () => {
  await h?.close();
});

async function user(messages: number): Promise<{ address: string; mailboxId: string }> {
  const address = `client${++n}-${Date.now()}@example.net`;
  const mailboxId = await h.addUser(address, PASSWORD);
  for (let i = 1; i <= messages; i++) await h.deliver(mailboxId, testMessage(`Hello ${i}`, `Text ${i}\r\n`));
  return { address, mailboxId };
}

const debugLogger = {
  debug: (o: { msg?: string }) => console.log('D', JSON.stringify(o).slice(0, 300)),
  info: (o: { msg?: string }) => console.log('I', JSON.stringify(o).slice(0, 300)),
  warn: (o: { msg?: string }) => console.log('W', JSON.stringify(o).slice(0, 300)),
  error: (o: { msg?: string }) => console.log('E', JSON.stringify(o).slice(0, 300)),
};

function flow(address: string): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port: h.port, secure: true, tls: { rejectUnauthorized: false }, auth: { user: address, pass: PASSWORD }, logger: process.env.IMAPFLOW_DEBUG ? (debugLogger as never) : false });
}

describe('imapflow', () => {
  it('lists, fetches, flags, searches, moves, appends and IDLEs', async () => {
    const { address, mailboxId } = await user(3);
    const client = flow(address);
    await client.connect();
    const list = await client.list();
    expect(list.map((m) => m.path)).toEqual(expect.arrayContaining(['INBOX', 'Drafts', 'Sent', 'Trash', 'Junk', 'Archive']));
    expect(list.find((m) => m.path === 'Sent')?.specialUse).toBe('\\Sent');

    const lock = await client.getMailboxLock('INBOX');
    try {
      const mailbox = client.mailbox as { exists: number; uidValidity: bigint };
      expect(mailbox.exists).toBe(3);
      const subjects: string[] = [];
      for await (const msg of client.fetch('1:*', { envelope: true, source: true, flags: true, bodyStructure: true, uid: true })) {
        subjects.push(msg.envelope!.subject!);
        expect(msg.source!.toString()).toContain(`Subject: ${msg.envelope!.subject}`);
        expect(msg.bodyStructure!.type).toBe('text/plain');
      }
      expect(subjects).toEqual(['Hello 1', 'Hello 2', 'Hello 3']);
      const one = await client.fetchOne('2', { bodyParts: ['1'], headers: ['subject'] });
      expect(one && one.bodyParts!.get('1')!.toString()).toBe('Text 2\r\n');
      expect(one && one.headers!.toString()).toContain('Subject: Hello 2');

      await client.messageFlagsAdd('1', ['\\Flagged', '$Important']);
      expect(await client.search({ flagged: true })).toEqual([1]);
      expect(await client.search({ keyword: '$Important' })).toEqual([1]);
      expect(await client.search({ subject: 'hello 3' }, { uid: true })).toEqual([3]);
      expect(await client.search({ or: [{ subject: 'Hello 1' }, { subject: 'Hello 2' }] })).toEqual([1, 2]);

      const moved = await client.messageMove('3', 'Archive');
      expect(moved && moved.uidMap?.get(3)).toBe(1);
      const status = await client.status('Archive', { messages: true, uidNext: true });
      expect(status && status.messages).toBe(1);

      const appended = await client.append('Drafts', testMessage('Draft'), ['\\Draft'], new Date('2026-01-02T03:04:05Z'));
      expect(appended && appended.uid).toBe(1);

      // IDLE: a delivery shows up as EXISTS.
      const exists = new Promise<number>((resolve) => client.on('exists', (e: { count: number }) => resolve(e.count)));
      const idling = client.idle();
      await new Promise((resolve) => setImmediate(resolve));
      const started = Date.now();
      await h.deliver(mailboxId, testMessage('While idling'));
      expect(await exists).toBe(3);
      expect(Date.now() - started).toBeLessThan(1000);
      await client.noop();
      await idling;
    } finally {
      lock.release();
    }
    await client.logout();
  });

  it('refuses a wrong password', async () => {
    const { address } = await user(0);
    const client = new ImapFlow({ host: '127.0.0.1', port: h.port, secure: true, tls: { rejectUnauthorized: false }, auth: { user: address, pass: 'wrong' }, logger: false });
    await expect(client.connect()).rejects.toThrow();
  });
});

describe('BODYSTRUCTURE and sections over real messages (test/fixtures/mime)', () => {
  // "The size we announce equals the bytes we serve", for every leaf part of every fixture.
  it('imapflow parses every BODYSTRUCTURE; each leaf part is served with the announced size', async () => {
    const { address } = await user(0);
    const client = flow(address);
    await client.connect();
    const dir = path.resolve(import.meta.dirname, '../../test/fixtures/mime');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort();
    for (const f of files) await client.append('INBOX', fs.readFileSync(path.join(dir, f)));
    const lock = await client.getMailboxLock('INBOX');
    const problems: string[] = [];
    try {
      type Node = { part?: string; type: string; size?: number; childNodes?: Node[] };
      const leaves = (n: Node, out: Node[] = []): Node[] => {
        if (n.childNodes?.length && n.type.startsWith('multipart/')) for (const c of n.childNodes) leaves(c, out);
        else out.push(n);
        return out;
      };
      let seq = 0;
      // Collected first: imapflow runs one command at a time.
      const all: { uid: number; size?: number; bodyStructure?: unknown }[] = [];
      for await (const msg of client.fetch('1:*', { bodyStructure: true, size: true, uid: true })) all.push(msg);
      for (const msg of all) {
        seq++;
        const name = files[seq - 1];
        for (const leaf of leaves(msg.bodyStructure as Node)) {
          const part = leaf.part ?? '1';
          const got = await client.fetchOne(String(msg.uid), { bodyParts: [part] }, { uid: true });
          const bytes = got && got.bodyParts?.get(part);
          if (!bytes) problems.push(`${name} part ${part}: nothing served`);
          else if (leaf.size !== undefined && bytes.length !== leaf.size) problems.push(`${name} part ${part}: announced ${leaf.size}, served ${bytes.length}`);
        }
        // A partial fetch is the same bytes as a slice of the whole.
        const whole = await client.fetchOne(String(msg.uid), { source: true }, { uid: true });
        const partial = await client.fetchOne(String(msg.uid), { source: { start: 7, maxLength: 50 } }, { uid: true });
        if (whole && partial && !whole.source!.subarray(7, 57).equals(partial.source!)) problems.push(`${name}: partial fetch differs`);
        if (whole && whole.source!.length !== msg.size) problems.push(`${name}: RFC822.SIZE ${msg.size} vs ${whole.source!.length} served`);
      }
      expect(seq).toBe(files.length);
    } finally {
      lock.release();
    }
    await client.logout();
    expect(problems).toEqual([]);
  });
});

describe("Python's imaplib", () => {
  it('runs a full session', async () => {
    const { address } = await user(2);
    const script = `
import imaplib, json, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4_SSL('127.0.0.1', int(sys.argv[1]), ssl_context=ctx)
out = {}
out['login'] = m.login(sys.argv[2], sys.argv[3])[0]
out['caps'] = list(m.capabilities)
typ, data = m.select('INBOX'); out['select'] = [typ, data[0].decode()]
out['search'] = m.search(None, 'ALL')[1][0].decode()
typ, data = m.fetch('1', '(RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)] FLAGS)')
out['fetch'] = data[0][1].decode()
out['store'] = [x.decode() for x in m.store('2', '+FLAGS', '(\\\\Seen \\\\Deleted)')[1]]
out['create'] = m.create('Projects')[0]
out['copy'] = m.copy('1', 'Projects')[0]
out['expunge'] = [x.decode() for x in m.expunge()[1] if x]
out['list'] = [x.decode() for x in m.list()[1]]
out['status'] = m.status('Projects', '(MESSAGES UIDNEXT)')[1][0].decode()
out['uid'] = m.uid('SEARCH', 'ALL')[1][0].decode()
out['append'] = m.append('Projects', '(\\\\Flagged)', imaplib.Time2Internaldate(1700000000), b'Subject: via imaplib\\r\\n\\r\\nhi\\r\\n')[0]
m.close()
out['logout'] = m.logout()[0]
print(json.dumps(out))
`;
    const { stdout } = await run('python3', ['-c', script, String(h.port), address, PASSWORD], { timeout: 20_000 });
    const out = JSON.parse(stdout);
    expect(out.login).toBe('OK');
    expect(out.caps).toEqual(expect.arrayContaining(['IMAP4REV1', 'IDLE', 'UIDPLUS', 'MOVE']));
    expect(out.select).toEqual(['OK', '2']);
    expect(out.search).toBe('1 2');
    expect(out.fetch).toBe('Subject: Hello 1\r\n\r\n');
    expect(out.store[0]).toMatch(/^2 \(FLAGS \(\\Deleted \\Seen( \\Recent)?\)\)$/);
    expect(out.create).toBe('OK');
    expect(out.copy).toBe('OK');
    expect(out.expunge).toEqual(['2']);
    expect(out.list).toEqual(expect.arrayContaining(['(\\HasNoChildren) "/" "Projects"', '(\\HasNoChildren) "/" "INBOX"']));
    expect(out.status).toBe('"Projects" (MESSAGES 1 UIDNEXT 2)');
    expect(out.uid).toBe('1');
    expect(out.append).toBe('OK');
    expect(out.logout).toBe('BYE');
  });
});

describe('mbsync (isync)', () => {
  const hasMbsync = (() => {
    try {
      fs.accessSync('/usr/bin/mbsync', fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasMbsync)('syncs INBOX and a folder both ways: moves and flags end up on both sides', async () => {
    const { address, mailboxId } = await user(3);
    // A folder with one message, made over IMAP.
    const client = flow(address);
    await client.connect();
    await client.mailboxCreate('Work');
    await client.append('Work', testMessage('Work item'));

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-mbsync-'));
    fs.writeFileSync(path.join(dir, 'cert.pem'), h.certPem);
    fs.mkdirSync(path.join(dir, 'mail'));
    const config = `IMAPAccount test
Host localhost
Port ${h.port}
User ${address}
Pass "${PASSWORD}"
SSLType IMAPS
CertificateFile ${dir}/cert.pem
AuthMechs LOGIN

IMAPStore remote
Account test

MaildirStore local
Path ${dir}/mail/
Inbox ${dir}/mail/INBOX
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns INBOX Work
Create Both
Expunge Both
SyncState *
Sync All
`;
    fs.writeFileSync(path.join(dir, 'mbsyncrc'), config);
    const sync = () =>
      run('mbsync', ['-c', path.join(dir, 'mbsyncrc'), '-a'], { timeout: 30_000 }).catch((err) => {
        throw new Error(`mbsync failed: ${err.stderr}\n${err.stdout}`);
      });
    const files = (folder: string) =>
      ['cur', 'new'].flatMap((sub) => {
        const d = path.join(dir, 'mail', folder, sub);
        return fs.existsSync(d) ? fs.readdirSync(d).map((f) => path.join(d, f)) : [];
      });

    await sync();
    expect(files('INBOX')).toHaveLength(3);
    expect(files('Work')).toHaveLength(1);

    // Local side: flag "Hello 1", move "Hello 2" into Work.
    const bySubject = (folder: string, subject: string) => files(folder).find((f) => new RegExp(`^Subject: ${subject}\r?$`, 'm').test(fs.readFileSync(f, 'utf8')))!;
    const h1 = bySubject('INBOX', 'Hello 1');
    const flagged = h1.includes(':2,') ? h1.replace(/:2,([A-Z]*)$/, (_m, f: string) => `:2,${[...new Set([...f, 'F'])].sort().join('')}`) : `${h1}:2,F`;
    fs.renameSync(h1, flagged.replace(`${path.sep}new${path.sep}`, `${path.sep}cur${path.sep}`));
    const h2 = bySubject('INBOX', 'Hello 2');
    fs.renameSync(h2, path.join(dir, 'mail', 'Work', 'cur', path.basename(h2).replace(/,U=\d+/, '')));

    await sync();

    // Server side sees both.
    const lock = await client.getMailboxLock('INBOX');
    try {
      const inbox: { subject: string; flags: string[] }[] = [];
      for await (const m of client.fetch('1:*', { envelope: true, flags: true })) inbox.push({ subject: m.envelope!.subject!, flags: [...m.flags!] });
      expect(inbox.map((m) => m.subject).sort()).toEqual(['Hello 1', 'Hello 3']);
      expect(inbox.find((m) => m.subject === 'Hello 1')!.flags).toContain('\\Flagged');
    } finally {
      lock.release();
    }
    const work = await client.getMailboxLock('Work');
    try {
      const subjects: string[] = [];
      for await (const m of client.fetch('1:*', { envelope: true })) subjects.push(m.envelope!.subject!);
      expect(subjects.sort()).toEqual(['Hello 2', 'Work item']);
      // Server-side change for the way back: flag \Seen on "Work item".
      const uids = await client.search({ subject: 'Work item' }, { uid: true });
      await client.messageFlagsAdd(uids as number[], ['\\Seen'], { uid: true });
    } finally {
      work.release();
    }
    await h.deliver(mailboxId, testMessage('Hello 4'));
    await client.logout();

    await sync();
    expect(files('INBOX')).toHaveLength(3);
    expect(bySubject('INBOX', 'Hello 4')).toBeTruthy();
    expect(bySubject('Work', 'Work item')).toMatch(/:2,[A-Z]*S[A-Z]*$/);
    expect(files('Work')).toHaveLength(2);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
