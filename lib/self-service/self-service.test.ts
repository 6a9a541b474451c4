import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM, type Actor } from '@/lib/actor';
import { createAlias } from '@/lib/aliases';
import { createAppPassword, listAppPasswords, matchAppPassword, MAX_APP_PASSWORDS, normalizeAppPassword, revokeAppPassword } from '@/lib/app-passwords';
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { CHANNELS } from '@/lib/db/channels';
import { resolveRecipient } from '@/lib/directory';
import { addDomain } from '@/lib/domains';
import { createMailbox, findMailboxInScope } from '@/lib/mailboxes';
import { updatePolicy } from '@/lib/policy';
import { changeMailboxPassword, getForwarding, getVacation, setForwarding, setVacation, startMailboxSession, verifyMailUserLogin, type MailUser } from '@/lib/self-service';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

let t: TestDatabase;
const PW = 'Strong-Password-1';
const quick = { slowDown: { baseMs: 1, capMs: 4 } };
const KEY = 'self-service-test-master-key';
let alice: MailUser;
let bob: MailUser;
let ip = 0;
const nextIp = () => `198.51.100.${++ip}`;
const mailLogin = (address: string, password: string, service: 'imap' | 'smtp' | 'pop3' = 'imap') =>
  verifyMailboxLogin(t.prisma, { address, password, ip: nextIp(), service }, quick);

async function user(address: string): Promise<MailUser> {
  const m = await createMailbox(t.prisma, SYSTEM, { address, password: PW });
  return { kind: 'mailbox', id: m.mailbox.id, address: m.mailbox.address, domainId: m.mailbox.domainId, ip: '192.0.2.9' };
}

beforeAll(async () => {
  t = await createTestDatabase();
  await addDomain(t.prisma, SYSTEM, { name: 'example.test' });
  alice = await user('alice@example.test');
  bob = await user('bob@example.test');
});
afterAll(() => t.drop());

describe('app passwords', () => {
  it('is shown once, kept as an argon2id hash, and opens IMAP, SMTP and POP3', async () => {
    const created = await createAppPassword(t.prisma, alice, { name: 'Phone' });
    expect(created.password).toMatch(/^[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}$/);
    const row = await t.prisma.appPassword.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordHash).not.toContain(created.password);
    for (const service of ['imap', 'smtp', 'pop3'] as const) {
      expect(await mailLogin('alice@example.test', created.password, service)).toMatchObject({ ok: true, appPasswordId: created.id });
    }
    // Typed as a client shows it, in capitals with spaces: still the same password.
    expect(await mailLogin('alice@example.test', created.password.toUpperCase().replace(/-/g, ' '))).toMatchObject({ ok: true });
    expect((await listAppPasswords(t.prisma, alice))[0]).toMatchObject({ name: 'Phone', lastUsedAt: expect.any(Date) });
    // The mailbox password still opens mail clients while the policy allows it.
    expect(await mailLogin('alice@example.test', PW)).toMatchObject({ ok: true, appPasswordId: null });
  });

  it('belongs to its mailbox only', async () => {
    const created = await createAppPassword(t.prisma, alice, { name: 'Laptop' });
    expect(await mailLogin('bob@example.test', created.password)).toEqual({ ok: false, reason: 'invalid' });
    expect(await matchAppPassword(t.prisma, bob.id, created.password)).toBeNull();
    await expect(revokeAppPassword(t.prisma, bob, { id: created.id })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('never opens the self-service area', async () => {
    const created = await createAppPassword(t.prisma, alice, { name: 'Tablet' });
    expect(await verifyMailUserLogin(t.prisma, { address: 'alice@example.test', password: created.password, ip: nextIp() }, { ...quick, masterKey: KEY })).toEqual({ ok: false, reason: 'invalid' });
    expect(await verifyMailUserLogin(t.prisma, { address: 'ALICE@example.test', password: PW, ip: nextIp() }, { ...quick, masterKey: KEY })).toMatchObject({ ok: true, mailbox: { id: alice.id } });
  });

  it('revoked: refused at the next login, and the daemons are told', async () => {
    const created = await createAppPassword(t.prisma, alice, { name: 'Old phone' });
    const listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    const heard = new Promise<string>((resolve) => listener.on('notification', (n) => resolve(n.payload ?? '')));
    await listener.query(`LISTEN ${CHANNELS.directory}`);
    await revokeAppPassword(t.prisma, alice, { id: created.id });
    expect(JSON.parse(await heard)).toEqual({ kind: 'mailbox', id: alice.id, credentials: 'app-password', appPasswordId: created.id });
    await listener.end();
    expect(await mailLogin('alice@example.test', created.password)).toEqual({ ok: false, reason: 'invalid' });
    expect(await t.prisma.auditLog.count({ where: { action: 'mailbox.app_password.revoked', actor: 'mailbox:alice@example.test' } })).toBe(1);
  });

  it('one name per device, at most MAX_APP_PASSWORDS', async () => {
    await expect(createAppPassword(t.prisma, bob, { name: ' ' })).rejects.toMatchObject({ code: 'invalid', field: 'name' });
    await createAppPassword(t.prisma, bob, { name: 'Phone' });
    await expect(createAppPassword(t.prisma, bob, { name: 'Phone' })).rejects.toMatchObject({ code: 'conflict', field: 'name' });
    for (let i = 1; i < MAX_APP_PASSWORDS; i++) await createAppPassword(t.prisma, bob, { name: `Device ${i}` });
    await expect(createAppPassword(t.prisma, bob, { name: 'One more' })).rejects.toMatchObject({ code: 'invalid' });
  });

  it('only input of an app password’s shape is tried as one', () => {
    expect(normalizeAppPassword('abcd-efgh-jkmn-pqrs')).toBe('abcdefghjkmnpqrs');
    expect(normalizeAppPassword('ABCD EFGH JKMN PQRS')).toBe('abcdefghjkmnpqrs');
    expect(normalizeAppPassword('Strong-Password-1')).toBeNull();
  });

  it('the policy’s requireAppPasswords refuses the mailbox password for IMAP, SMTP and POP3, never the self-service sign-in', async () => {
    const carol = await user('carol@example.test');
    const created = await createAppPassword(t.prisma, carol, { name: 'Phone' });
    const admin: Actor = { kind: 'cli', user: 'test' };
    await updatePolicy(t.prisma, admin, { domainId: carol.domainId, settings: { requireAppPasswords: true } });
    try {
      for (const service of ['imap', 'smtp', 'pop3'] as const) {
        expect(await mailLogin('carol@example.test', PW, service)).toEqual({ ok: false, reason: 'invalid' });
        expect(await mailLogin('carol@example.test', created.password, service)).toMatchObject({ ok: true });
      }
      expect(await verifyMailUserLogin(t.prisma, { address: 'carol@example.test', password: PW, ip: nextIp() }, { ...quick, masterKey: KEY })).toMatchObject({ ok: true });
    } finally {
      await updatePolicy(t.prisma, admin, { domainId: carol.domainId, settings: {} });
    }
  });
});

describe('a mailbox actor in admin services', () => {
  it('finds nothing: its scope is no domain at all', async () => {
    await expect(findMailboxInScope(t.prisma, alice, 'alice@example.test')).rejects.toMatchObject({ code: 'not_found' });
    await expect(updatePolicy(t.prisma, alice, { domainId: null, settings: { allowForwarding: true } })).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('changing the password', () => {
  it('needs the current one and the policy; ends other self-service sessions; tells the daemons', async () => {
    const dave = await user('dave@example.test');
    const keep = await startMailboxSession(t.prisma, dave.id, 3600);
    const other = await startMailboxSession(t.prisma, dave.id, 3600);
    await expect(changeMailboxPassword(t.prisma, dave, { current: 'wrong', password: 'New-Password-22', sessionId: keep })).rejects.toMatchObject({ field: 'current' });
    await expect(changeMailboxPassword(t.prisma, dave, { current: PW, password: 'short', sessionId: keep })).rejects.toMatchObject({ field: 'password' });
    await expect(changeMailboxPassword(t.prisma, dave, { current: PW, password: 'Dave-is-my-Name-1', sessionId: keep })).rejects.toMatchObject({ field: 'password' });
    const listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    const heard = new Promise<string>((resolve) => listener.on('notification', (n) => resolve(n.payload ?? '')));
    await listener.query(`LISTEN ${CHANNELS.directory}`);
    await changeMailboxPassword(t.prisma, dave, { current: PW, password: 'New-Password-22', sessionId: keep });
    expect(JSON.parse(await heard)).toEqual({ kind: 'mailbox', id: dave.id, credentials: 'password' });
    await listener.end();
    expect((await t.prisma.mailboxSession.findMany({ where: { mailboxId: dave.id } })).map((s) => s.id)).toEqual([keep]);
    expect(other).not.toBe(keep);
    expect(await mailLogin('dave@example.test', PW)).toEqual({ ok: false, reason: 'invalid' });
    expect(await mailLogin('dave@example.test', 'New-Password-22')).toMatchObject({ ok: true });
  });
});

describe('forwarding', () => {
  const admin: Actor = { kind: 'cli', user: 'test' };
  const resolve = (a: string, allowed = true) => resolveRecipient(t.prisma, a, () => '+', { forwardingAllowed: () => allowed });

  it('is refused while the policy does not allow it', async () => {
    expect((await getForwarding(t.prisma, alice)).allowed).toBe(false);
    await expect(setForwarding(t.prisma, alice, { destinations: ['x@remote.test'], keepCopy: true })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('takes single addresses, not its own, not more than five, no direct loop', async () => {
    await updatePolicy(t.prisma, admin, { domainId: null, settings: { allowForwarding: true } });
    await expect(setForwarding(t.prisma, alice, { destinations: ['@remote.test'], keepCopy: true })).rejects.toMatchObject({ code: 'invalid' });
    await expect(setForwarding(t.prisma, alice, { destinations: ['Alice@example.test'], keepCopy: true })).rejects.toMatchObject({ code: 'invalid' });
    await expect(setForwarding(t.prisma, alice, { destinations: ['1@r.test', '2@r.test', '3@r.test', '4@r.test', '5@r.test', '6@r.test'], keepCopy: true })).rejects.toMatchObject({ code: 'invalid' });
    expect(await setForwarding(t.prisma, bob, { destinations: ['alice@example.test'], keepCopy: true })).toMatchObject({ destinations: ['alice@example.test'] });
    await expect(setForwarding(t.prisma, alice, { destinations: ['bob@example.test'], keepCopy: true })).rejects.toMatchObject({ message: expect.stringContaining('loop') });
    await setForwarding(t.prisma, bob, { destinations: [], keepCopy: true });
  });

  it('delivery follows it: a copy kept or not, nothing when the policy turns it off', async () => {
    await setForwarding(t.prisma, alice, { destinations: ['Alice@Remote.test'], keepCopy: true });
    expect(await resolve('alice@example.test')).toMatchObject({ status: 'ok', mailboxes: [{ id: alice.id }], remote: ['alice@remote.test'] });
    await setForwarding(t.prisma, alice, { destinations: ['alice@remote.test', 'bob@example.test'], keepCopy: false });
    expect(await resolve('alice@example.test')).toMatchObject({ status: 'ok', mailboxes: [{ id: bob.id }], remote: ['alice@remote.test'] });
    // Through an alias, too.
    await createAlias(t.prisma, SYSTEM, { source: 'desk@example.test', destinations: ['alice@example.test'] });
    expect(await resolve('desk@example.test')).toMatchObject({ status: 'ok', mailboxes: [{ id: bob.id }], remote: ['alice@remote.test'] });
    expect(await resolve('alice@example.test', false)).toMatchObject({ status: 'ok', mailboxes: [{ id: alice.id }], remote: [] });
  });

  it('a loop written behind the service’s back ends at the first address seen twice', async () => {
    await t.prisma.mailboxForwarding.upsert({ where: { mailboxId: bob.id }, create: { mailboxId: bob.id, destinations: ['alice@example.test'], keepCopy: true }, update: { destinations: ['alice@example.test'], keepCopy: true } });
    const r = await resolve('alice@example.test');
    expect(r).toMatchObject({ status: 'ok', mailboxes: [{ id: bob.id }], remote: ['alice@remote.test'] });
    await setForwarding(t.prisma, alice, { destinations: [], keepCopy: true });
    expect((await getForwarding(t.prisma, alice)).destinations).toEqual([]);
  });
});

describe('vacation settings', () => {
  it('checks subject, body and interval; turning it on again forgets who was answered', async () => {
    await expect(setVacation(t.prisma, alice, { enabled: true, subject: 'Away', body: '  ', intervalDays: 7 })).rejects.toMatchObject({ field: 'body' });
    await expect(setVacation(t.prisma, alice, { enabled: true, subject: 'Away', body: 'Back Monday', intervalDays: 0 })).rejects.toMatchObject({ field: 'intervalDays' });
    await setVacation(t.prisma, alice, { enabled: true, subject: 'Away\r\nBcc: x@y', body: 'Back Monday', intervalDays: 3 });
    expect(await getVacation(t.prisma, alice)).toEqual({ enabled: true, subject: 'Away Bcc: x@y', body: 'Back Monday', intervalDays: 3 });
    await t.prisma.vacationReply.create({ data: { mailboxId: alice.id, sender: 's@remote.test', sentAt: new Date() } });
    await setVacation(t.prisma, alice, { enabled: true, subject: 'Away', body: 'Back Tuesday', intervalDays: 3 });
    expect(await t.prisma.vacationReply.count({ where: { mailboxId: alice.id } })).toBe(1);
    await setVacation(t.prisma, alice, { enabled: false, subject: 'Away', body: 'Back Tuesday', intervalDays: 3 });
    await setVacation(t.prisma, alice, { enabled: true, subject: 'Away', body: 'Back Tuesday', intervalDays: 3 });
    expect(await t.prisma.vacationReply.count({ where: { mailboxId: alice.id } })).toBe(0);
  });
});
