// Real POP3 clients against the real server and store, over TLS they verify against the
// served certificate: Python's poplib (POP3_SSL, and POP3 + STLS), curl's pop3s://, mpop.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { startPop3Harness, type Pop3Harness } from '@/mail-daemon/testing/pop3-harness';

const run = promisify(execFile);
let h: Pop3Harness;
let dir: string;
let ca: string;
let counter = 0;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  h = await startPop3Harness({ cleartext: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-pop3-clients-'));
  ca = path.join(dir, 'ca.pem');
  fs.writeFileSync(ca, h.imap.certPem);
});
afterAll(async () => {
  await h?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function mailbox(bodies: string[]) {
  const address = `client${++counter}-${Date.now()}@example.com`;
  const mailboxId = await h.imap.addUser(address, PASSWORD);
  const raws = bodies.map((b, i) => testMessage(`Client ${i + 1}`, b));
  for (const raw of raws) await h.imap.deliver(mailboxId, raw);
  return { address, mailboxId, raws };
}

const inboxCount = async (mailboxId: string) =>
  Number((await h.imap.pool.query(`SELECT count(*) AS n FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id WHERE f.mailbox_id = $1`, [mailboxId])).rows[0].n);

const POPLIB = `
import json, poplib, ssl, sys
mode, port, ca, user, password = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
if mode == 'pop3s':
    p = poplib.POP3_SSL('127.0.0.1', int(port), context=ctx)
else:
    p = poplib.POP3('127.0.0.1', int(port))
    before = sorted(p.capa().keys())
    p.stls(context=ctx)
out = {'caps': sorted(p.capa().keys())}
if mode != 'pop3s':
    out['capsBefore'] = before
p.user(user)
p.pass_(password)
out['stat'] = list(p.stat())
out['list'] = [l.decode() for l in p.list()[1]]
out['uidl'] = [l.decode() for l in p.uidl()[1]]
out['retr'] = b'\\r\\n'.join(p.retr(1)[1]).decode('latin1')
out['top'] = [l.decode('latin1') for l in p.top(2, 0)[1]]
out['dele'] = p.dele(1).decode()
out['quit'] = p.quit().decode()
print(json.dumps(out))
`;

it("Python's poplib over POP3S: STAT, LIST, UIDL, RETR (stuffing undone), TOP, DELE, QUIT", async () => {
  const m = await mailbox(['.starts with a dot\r\nsecond\r\n', 'Other body.\r\n']);
  const { stdout } = await run('/usr/bin/python3', ['-c', POPLIB, 'pop3s', String(h.port), ca, m.address, PASSWORD]);
  const out = JSON.parse(stdout);
  expect(out.caps).toEqual(['AUTH-RESP-CODE', 'EXPIRE', 'IMPLEMENTATION', 'PIPELINING', 'RESP-CODES', 'SASL', 'TOP', 'UIDL', 'USER']);
  expect(out.stat).toEqual([2, m.raws[0].length + m.raws[1].length]);
  expect(out.list).toEqual([`1 ${m.raws[0].length}`, `2 ${m.raws[1].length}`]);
  expect(out.uidl).toEqual([expect.stringMatching(/^1 \d+\.1$/), expect.stringMatching(/^2 \d+\.2$/)]);
  // poplib joins the lines with CRLF and drops the last line end: the stored message less its final CRLF.
  expect(out.retr).toBe(m.raws[0].toString('latin1').replace(/\r\n$/, ''));
  expect(out.top).toEqual([...m.raws[1].toString('latin1').split('\r\n\r\n')[0].split('\r\n'), '']);
  expect(out.dele).toBe('+OK Message 1 deleted');
  expect(out.quit).toBe('+OK Postern POP3 server signing off (1 messages deleted)');
  expect(await inboxCount(m.mailboxId)).toBe(1);
});

it("Python's poplib on the cleartext port: STLS first, then the credentials mechanisms appear", async () => {
  const m = await mailbox(['One.\r\n', 'Two.\r\n']);
  const { stdout } = await run('/usr/bin/python3', ['-c', POPLIB, 'stls', String(h.plainPort), ca, m.address, PASSWORD]);
  const out = JSON.parse(stdout);
  expect(out.capsBefore).toEqual(['AUTH-RESP-CODE', 'EXPIRE', 'IMPLEMENTATION', 'PIPELINING', 'RESP-CODES', 'STLS', 'TOP', 'UIDL']);
  expect(out.caps).toEqual(['AUTH-RESP-CODE', 'EXPIRE', 'IMPLEMENTATION', 'PIPELINING', 'RESP-CODES', 'SASL', 'TOP', 'UIDL', 'USER']);
  expect(out.stat[0]).toBe(2);
});

it('curl pop3s:// verifying the certificate: the listing, a message, UIDL, and DELE', async () => {
  const m = await mailbox(['Fetched by curl.\r\n.dot line\r\n', 'Second.\r\n']);
  const base = ['--silent', '--show-error', '--cacert', ca, '--resolve', `localhost:${h.port}:127.0.0.1`, '--user', `${m.address}:${PASSWORD}`];
  const url = `pop3s://localhost:${h.port}`;
  expect((await run('curl', [...base, `${url}/`])).stdout).toBe(`1 ${m.raws[0].length}\r\n2 ${m.raws[1].length}\r\n`);
  expect((await run('curl', [...base, `${url}/1`])).stdout).toBe(m.raws[0].toString('latin1'));
  expect((await run('curl', [...base, '--request', 'UIDL', `${url}/`])).stdout).toMatch(/^1 \d+\.1\r\n2 \d+\.2\r\n$/);
  await run('curl', [...base, '--request', 'DELE', '--list-only', `${url}/2`]);
  expect(await inboxCount(m.mailboxId)).toBe(1);
});

it('mpop: fetches every message once (UIDL remembered across sessions), then deletes with --keep=off, over POP3S and STLS', async () => {
  const m = await mailbox(['For mpop one.\r\n', 'For mpop two.\r\n']);
  const mbox = path.join(dir, `mbox-${counter}`);
  const uidls = path.join(dir, `uidls-${counter}`);
  fs.writeFileSync(mbox, '');
  const mpop = (port: number, starttls: boolean, keep: boolean) =>
    run('mpop', [
      '--host=127.0.0.1', `--port=${port}`, '--tls=on', `--tls-starttls=${starttls ? 'on' : 'off'}`, `--tls-trust-file=${ca}`, '--tls-host-override=localhost',
      '--auth=user', `--user=${m.address}`, `--passwordeval=echo '${PASSWORD}'`, `--delivery=mbox,${mbox}`, `--uidls-file=${uidls}`,
      '--only-new=on', `--keep=${keep ? 'on' : 'off'}`, '--quiet',
    ]);
  await mpop(h.port, false, true);
  const first = fs.readFileSync(mbox, 'latin1');
  expect(first.match(/^From /gm)).toHaveLength(2);
  expect(first).toContain('For mpop one.');
  expect(first).toContain('For mpop two.');
  // The same UIDLs in the next session: nothing is fetched twice.
  await mpop(h.plainPort!, true, true);
  expect(fs.readFileSync(mbox, 'latin1')).toBe(first);
  expect(await inboxCount(m.mailboxId)).toBe(2);
  fs.rmSync(uidls);
  await mpop(h.port, false, false);
  expect(fs.readFileSync(mbox, 'latin1').match(/^From /gm)).toHaveLength(4);
  expect(await inboxCount(m.mailboxId)).toBe(0);
});
