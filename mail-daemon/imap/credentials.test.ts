// A changed credential ends the IMAP sessions that logged in with it, and only those: the
// mailbox password's sessions when the password changes, one app password's when it is revoked
// (mail-daemon/services/imap.ts calls endSessions on the directory channel's notice).
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppPassword } from '@/lib/app-passwords';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';

const PASSWORD = 'Right-Password-1';
let h: ImapHarness;
let mailboxId: string;
let phone: string;
let laptop: string;
let phoneId: string;

beforeAll(async () => {
  h = await startImapHarness();
  mailboxId = await h.addUser('alice@example.test', PASSWORD);
  const user = { kind: 'mailbox', id: mailboxId, address: 'alice@example.test', domainId: '' } as const;
  const p = await createAppPassword(h.db.prisma, user, { name: 'Phone' });
  phone = p.password;
  phoneId = p.id;
  laptop = (await createAppPassword(h.db.prisma, user, { name: 'Laptop' })).password;
});
afterAll(() => h?.close());

async function client(pass: string, user = 'alice@example.test'): Promise<{ flow: ImapFlow; closed: Promise<void> }> {
  const flow = new ImapFlow({ host: '127.0.0.1', port: h.port, secure: true, tls: { rejectUnauthorized: false }, auth: { user, pass }, logger: false });
  flow.on('error', () => {});
  const closed = new Promise<void>((resolve) => flow.once('close', () => resolve()));
  await flow.connect();
  return { flow, closed };
}

describe('endSessions', () => {
  it('a revoked app password: its sessions get BYE, the others stay', async () => {
    const a = await client(phone);
    const b = await client(laptop);
    const c = await client(PASSWORD);
    expect(h.server.endSessions(mailboxId, phoneId)).toBe(1);
    await a.closed;
    expect(b.flow.usable).toBe(true);
    expect(c.flow.usable).toBe(true);
    await b.flow.noop();
    await c.flow.noop();
    await b.flow.logout();
    await c.flow.logout();
  });

  it('a changed password: the sessions opened with it end, the app passwords’ stay', async () => {
    const main1 = await client(PASSWORD);
    const main2 = await client(PASSWORD);
    const app = await client(laptop);
    expect(h.server.endSessions(mailboxId, null)).toBe(2);
    await Promise.all([main1.closed, main2.closed]);
    await app.flow.noop();
    expect(app.flow.usable).toBe(true);
    await app.flow.logout();
  });

  it('another mailbox is not touched', async () => {
    await h.addUser('bob@example.test', PASSWORD);
    const bob = await client(PASSWORD, 'bob@example.test');
    expect(h.server.endSessions(mailboxId, null)).toBe(0);
    await bob.flow.noop();
    await bob.flow.logout();
  });
});
