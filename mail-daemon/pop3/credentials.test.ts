// App passwords work for POP3 through lib/auth's mailbox login, and a changed credential ends
// the POP3 sessions that logged in with it, and only those, deleting nothing
// (mail-daemon/services/pop3.ts calls endSessions on the directory channel's notice).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAppPassword } from '@/lib/app-passwords';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { startPop3Harness, type Pop3Harness } from '@/mail-daemon/testing/pop3-harness';
import { Pop3Wire } from '@/mail-daemon/testing/pop3-wire';

const PASSWORD = 'Right-Password-1';
let h: Pop3Harness;
let phone: { id: string; password: string };
const mailboxIds: Record<string, string> = {};

beforeAll(async () => {
  h = await startPop3Harness();
  for (const address of ['alice@example.test', 'bob@example.test']) {
    mailboxIds[address] = await h.imap.addUser(address, PASSWORD);
    await h.imap.deliver(mailboxIds[address], testMessage('Kept'));
  }
  phone = await createAppPassword(h.imap.db.prisma, { kind: 'mailbox', id: mailboxIds['alice@example.test'], address: 'alice@example.test', domainId: '' } as const, { name: 'Phone' });
});
afterAll(() => h?.close());

async function login(user: string, pass: string): Promise<Pop3Wire> {
  const c = await Pop3Wire.connect(h.port, { tls: true });
  await c.line();
  await c.command(`USER ${user}`);
  expect(await c.command(`PASS ${pass}`)).toMatch(/^\+OK Logged in, 1 messages/);
  return c;
}

it('an app password logs in over POP3; revoking it ends that session with [AUTH], nothing deleted', async () => {
  const c = await login('alice@example.test', phone.password);
  expect(await c.command('DELE 1')).toBe('+OK Message 1 deleted');
  expect(h.server.endSessions(mailboxIds['alice@example.test'], null)).toBe(0);
  expect(h.server.endSessions(mailboxIds['bob@example.test'], phone.id)).toBe(0);
  expect(h.server.endSessions(mailboxIds['alice@example.test'], phone.id)).toBe(1);
  expect(await c.closedByServer()).toEqual(['-ERR [AUTH] Your credentials changed: log in again']);
  // The lock went with the session: the mailbox password logs in, and the message is still there.
  let answer = '';
  for (let i = 0; i < 50 && !answer.startsWith('+OK'); i++) {
    const d = await Pop3Wire.connect(h.port, { tls: true });
    await d.line();
    await d.command('USER alice@example.test');
    answer = await d.command(`PASS ${PASSWORD}`);
    d.close();
  }
  expect(answer).toMatch(/^\+OK Logged in, 1 messages/);
});

it("a changed mailbox password ends that mailbox's password sessions, not another mailbox's", async () => {
  const bob = await login('bob@example.test', PASSWORD);
  expect(h.server.endSessions(mailboxIds['alice@example.test'], null)).toBe(0);
  expect(h.server.endSessions(mailboxIds['bob@example.test'], null)).toBe(1);
  expect(await bob.closedByServer()).toEqual(['-ERR [AUTH] Your credentials changed: log in again']);
});
