// POP3 and IMAP on one mailbox at once, over real TLS against the real store: IMAP takes no
// maildrop lock, so each must see the other's changes without either corrupting the mailbox.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { startPop3Harness, type Pop3Harness } from '@/mail-daemon/testing/pop3-harness';
import { Pop3Wire } from '@/mail-daemon/testing/pop3-wire';

let h: Pop3Harness;
let counter = 0;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  h = await startPop3Harness();
});
afterAll(async () => {
  await h?.close();
});

async function mailbox(n: number) {
  const address = `mix${++counter}-${Date.now()}@example.com`;
  const mailboxId = await h.imap.addUser(address, PASSWORD);
  const sizes: number[] = [];
  for (let i = 1; i <= n; i++) {
    const raw = testMessage(`Mixed ${i}`, `Body ${i}.\r\n`);
    sizes.push(raw.length);
    await h.imap.deliver(mailboxId, raw);
  }
  const v = (await h.imap.pool.query(`SELECT uid_validity AS v FROM mail_folders WHERE mailbox_id = $1 AND name = 'INBOX'`, [mailboxId])).rows[0].v as string;
  return { address, mailboxId, sizes, v };
}

async function pop3(address: string): Promise<{ c: Pop3Wire; greeting: string }> {
  const c = await Pop3Wire.connect(h.port, { tls: true });
  await c.line();
  await c.command(`USER ${address}`);
  return { c, greeting: await c.command(`PASS ${PASSWORD}`) };
}

async function imap(address: string): Promise<WireClient> {
  const c = await WireClient.connect(h.imap.port, { tls: true });
  await c.line();
  expect((await c.command(`a LOGIN ${address} "${PASSWORD}"`)).at(-1)).toMatch(/^a OK/);
  expect((await c.command('b SELECT INBOX')).at(-1)).toMatch(/^b OK/);
  return c;
}

const usedBytes = async (mailboxId: string) => Number((await h.imap.pool.query('SELECT used_bytes FROM mailboxes WHERE id = $1', [mailboxId])).rows[0].used_bytes);

it('an IMAP expunge during a POP3 session: the listing stays, RETR answers -ERR, QUIT skips it; IMAP sees the POP3 deletion', async () => {
  const m = await mailbox(3);
  const used = await usedBytes(m.mailboxId);
  const { c } = await pop3(m.address);
  const i = await imap(m.address);
  expect((await i.command('c STORE 2 +FLAGS.SILENT (\\Deleted)')).at(-1)).toMatch(/^c OK/);
  expect(await i.command('d EXPUNGE')).toEqual(['* 2 EXPUNGE', expect.stringMatching(/^d OK/)]);
  // The POP3 view is the one of its login.
  expect(await c.command('STAT')).toBe(`+OK 3 ${m.sizes[0] + m.sizes[1] + m.sizes[2]}`);
  expect(await c.command('RETR 2')).toBe('-ERR Message was removed by another session');
  expect(await c.command('TOP 2 0')).toBe('-ERR Message was removed by another session');
  expect(await c.command('RETR 3')).toBe(`+OK ${m.sizes[2]} octets`);
  expect((await c.multiline()).at(-2)).toBe('Body 3.');
  expect(await c.command('DELE 2')).toBe('+OK Message 2 deleted');
  expect(await c.command('DELE 1')).toBe('+OK Message 1 deleted');
  expect(await c.command('QUIT')).toBe('+OK Postern POP3 server signing off (1 messages deleted)');
  // The IMAP session is told through the store's change feed.
  const seen = await i.command('e NOOP');
  expect(seen).toEqual(['* 1 EXPUNGE', expect.stringMatching(/^e OK/)]);
  expect(await usedBytes(m.mailboxId)).toBe(used - m.sizes[0] - m.sizes[1]);
  const left = await i.command('f UID FETCH 1:* (UID)');
  expect(left).toEqual(['* 1 FETCH (UID 3)', expect.stringMatching(/^f OK/)]);
  i.close();
});

it('messages flagged \\Deleted over IMAP are not in the maildrop; UIDL keeps naming the same messages', async () => {
  const m = await mailbox(3);
  const i = await imap(m.address);
  expect((await i.command('c STORE 1 +FLAGS.SILENT (\\Deleted)')).at(-1)).toMatch(/^c OK/);
  const { c, greeting } = await pop3(m.address);
  expect(greeting).toBe(`+OK Logged in, 2 messages (${m.sizes[1] + m.sizes[2]} octets)`);
  c.write('UIDL\r\n');
  expect(await c.line()).toBe('+OK Unique-id listing follows');
  expect(await c.multiline()).toEqual([`1 ${m.v}.2`, `2 ${m.v}.3`, '.']);
  expect(await c.command('QUIT')).toMatch(/^\+OK/);
  i.close();
});

it('mail delivered during a POP3 session waits for the next one', async () => {
  const m = await mailbox(1);
  const { c } = await pop3(m.address);
  await h.imap.deliver(m.mailboxId, testMessage('Late', 'Arrived late.\r\n'));
  expect(await c.command('STAT')).toBe(`+OK 1 ${m.sizes[0]}`);
  expect(await c.command('QUIT')).toMatch(/^\+OK/);
  await c.closedByServer();
  const { c: d, greeting } = await pop3(m.address);
  expect(greeting).toMatch(/^\+OK Logged in, 2 messages/);
  d.close();
});
