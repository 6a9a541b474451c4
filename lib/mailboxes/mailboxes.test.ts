import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/actor';
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { addDomain, listDomains } from '@/lib/domains';
import {
  createMailbox,
  getMailbox,
  importMailboxes,
  listMailboxes,
  removeMailbox,
  setMailboxPassword,
  updateMailbox,
} from '@/lib/mailboxes';
import { updatePolicy } from '@/lib/policy';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

let t: TestDatabase;
const cli: Actor = { kind: 'cli', user: 'tester' };
let da: Actor;
const PW = 'Strong-Password-1';

beforeAll(async () => {
  t = await createTestDatabase();
  const mine = await addDomain(t.prisma, cli, { name: 'mine.test' });
  await addDomain(t.prisma, cli, { name: 'theirs.test' });
  da = { kind: 'admin', id: '00000000-0000-0000-0000-0000000000aa', email: 'da@mine.test', role: 'DOMAIN', domainIds: [mine.id], ip: '192.0.2.5' };
});
afterAll(() => t.drop());

describe('createMailbox', () => {
  it('creates with canonical address, quota units, name; audits without secrets', async () => {
    const { mailbox, generatedPassword } = await createMailbox(t.prisma, cli, { address: 'Alice@Mine.TEST', password: PW, quota: '2G', name: ' Alice ' });
    expect(generatedPassword).toBeUndefined();
    expect(mailbox).toMatchObject({ address: 'alice@mine.test', localPart: 'alice', domain: 'mine.test', quotaBytes: 2 * 1024 ** 3, displayName: 'Alice', enabled: true });
    const row = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'mailbox.create', target: 'alice@mine.test' } });
    expect(JSON.stringify({ ...row, id: 0 })).not.toMatch(/argon|Strong-Password/);
    expect((await verifyMailboxLogin(t.prisma, { address: 'alice@mine.test', password: PW, ip: '127.0.0.1', service: 'smtp' })).ok).toBe(true);
  });

  it('generates a password when none is given, and uses the policy default quota', async () => {
    const r = await createMailbox(t.prisma, cli, { address: 'gen@mine.test' });
    expect(r.generatedPassword).toHaveLength(20);
    expect(r.mailbox.quotaBytes).toBe(1024 ** 3);
    expect((await verifyMailboxLogin(t.prisma, { address: 'gen@mine.test', password: r.generatedPassword!, ip: '127.0.0.1', service: 'imap' })).ok).toBe(true);
  });

  it('refuses a weak password with a field error naming the rules', async () => {
    await expect(createMailbox(t.prisma, cli, { address: 'weak@mine.test', password: 'password' })).rejects.toMatchObject({
      code: 'invalid',
      field: 'password',
      message: expect.stringMatching(/at least 12 characters/),
    });
    await expect(createMailbox(t.prisma, cli, { address: 'weakling@mine.test', password: 'Weakling-Password-1' })).rejects.toMatchObject({
      field: 'password',
      message: expect.stringMatching(/name before "@"/),
    });
  });

  it('a duplicate address (any case) is a field conflict, not a 500', async () => {
    await expect(createMailbox(t.prisma, cli, { address: 'ALICE@mine.test', password: PW })).rejects.toMatchObject({ code: 'conflict', field: 'address' });
  });

  it('two concurrent creates of one address: one wins, one conflicts', async () => {
    const results = await Promise.allSettled([
      createMailbox(t.prisma, cli, { address: 'race@mine.test', password: PW }),
      createMailbox(t.prisma, cli, { address: 'race@mine.test', password: PW }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'conflict', field: 'address' } });
  });

  it('bad quota and unknown domain name the field', async () => {
    await expect(createMailbox(t.prisma, cli, { address: 'q@mine.test', password: PW, quota: '2X' })).rejects.toMatchObject({ field: 'quota' });
    await expect(createMailbox(t.prisma, cli, { address: 'q@nowhere.test', password: PW })).rejects.toMatchObject({ code: 'not_found', field: 'address' });
  });
});

describe('update, password, remove', () => {
  it('updates only given fields with before/after audit', async () => {
    const m = await updateMailbox(t.prisma, cli, { address: 'alice@mine.test', quota: '500M' });
    expect(m).toMatchObject({ quotaBytes: 500 * 1024 ** 2, displayName: 'Alice' });
    const row = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'mailbox.update' } });
    expect(row.before).toMatchObject({ quotaBytes: 2 * 1024 ** 3 });
    expect(row.after).toMatchObject({ quotaBytes: 500 * 1024 ** 2 });
    await updateMailbox(t.prisma, cli, { address: 'alice@mine.test', enabled: false });
    expect(await t.prisma.auditLog.count({ where: { action: 'mailbox.disable' } })).toBe(1);
    expect((await getMailbox(t.prisma, cli, { address: 'alice@mine.test' })).enabled).toBe(false);
  });

  it('sets a password under the domain policy', async () => {
    await updatePolicy(t.prisma, cli, { domainId: (await getMailbox(t.prisma, cli, { address: 'gen@mine.test' })).domainId, settings: { password: { minLength: 20 } } });
    await expect(setMailboxPassword(t.prisma, cli, { address: 'gen@mine.test', password: PW })).rejects.toMatchObject({ field: 'password' });
    await setMailboxPassword(t.prisma, cli, { address: 'gen@mine.test', password: 'A-Much-Longer-Password-9' });
    expect((await verifyMailboxLogin(t.prisma, { address: 'gen@mine.test', password: 'A-Much-Longer-Password-9', ip: '127.0.0.2', service: 'imap' })).ok).toBe(true);
    await updatePolicy(t.prisma, cli, { domainId: (await getMailbox(t.prisma, cli, { address: 'gen@mine.test' })).domainId, settings: {} });
  });

  it("removing a mailbox takes its bytes off the domain's total", async () => {
    const m = await getMailbox(t.prisma, cli, { address: 'race@mine.test' });
    const domainUse = async () => (await listDomains(t.prisma, cli)).find((d) => d.id === m.domainId)!.usedBytes;
    const before = await domainUse();
    await t.prisma.mailbox.update({ where: { id: m.id }, data: { usedBytes: 1000 } });
    expect(await domainUse()).toBe(before + 1000);
    await removeMailbox(t.prisma, cli, { address: 'race@mine.test' });
    expect(await domainUse()).toBe(before);
    await expect(getMailbox(t.prisma, cli, { address: 'race@mine.test' })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('listMailboxes', () => {
  beforeAll(async () => {
    const domainId = (await t.prisma.domain.findUniqueOrThrow({ where: { name: 'theirs.test' } })).id;
    await t.prisma.mailbox.createMany({
      data: Array.from({ length: 120 }, (_, i) => ({
        domainId,
        localPart: `user${String(i).padStart(3, '0')}`,
        address: `user${String(i).padStart(3, '0')}@theirs.test`,
        displayName: i === 42 ? 'Zaphod Beeblebrox' : null,
        passwordHash: 'x',
        quotaBytes: i,
      })),
    });
  });

  it('paginates, sorts and counts server-side', async () => {
    const p = await listMailboxes(t.prisma, cli, { domain: 'theirs.test', page: 2, pageSize: 50 });
    expect(p.total).toBe(120);
    expect(p.rows).toHaveLength(50);
    expect(p.rows[0].address).toBe('user050@theirs.test');
    const byQuota = await listMailboxes(t.prisma, cli, { domain: 'theirs.test', sort: 'quotaBytes', order: 'desc', pageSize: 3 });
    expect(byQuota.rows.map((r) => r.quotaBytes)).toEqual([119, 118, 117]);
  });

  it('searches address and display name, case-insensitively', async () => {
    expect((await listMailboxes(t.prisma, cli, { search: 'USER11' })).rows.map((r) => r.address)).toEqual(
      Array.from({ length: 10 }, (_, i) => `user11${i}@theirs.test`),
    );
    expect((await listMailboxes(t.prisma, cli, { search: 'beeble' })).rows.map((r) => r.address)).toEqual(['user042@theirs.test']);
  });
});

describe('a domain admin', () => {
  it('sees only its domains in lists', async () => {
    const p = await listMailboxes(t.prisma, da, { pageSize: 500 });
    expect(p.rows.every((r) => r.domain === 'mine.test')).toBe(true);
    expect(p.total).toBe(2);
    expect((await listMailboxes(t.prisma, da, { search: 'user' })).total).toBe(0);
  });
  it('cannot list another domain', async () => {
    await expect(listMailboxes(t.prisma, da, { domain: 'theirs.test' })).rejects.toMatchObject({ code: 'forbidden' });
  });
  it('cannot create in another domain', async () => {
    await expect(createMailbox(t.prisma, da, { address: 'x@theirs.test', password: PW })).rejects.toMatchObject({ code: 'forbidden', field: 'address' });
  });
  it('cannot read, update, reset or remove another domain’s mailbox', async () => {
    const other = { address: 'user001@theirs.test' };
    await expect(getMailbox(t.prisma, da, other)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(updateMailbox(t.prisma, da, { ...other, quota: '1G' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(setMailboxPassword(t.prisma, da, { ...other, password: PW })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(removeMailbox(t.prisma, da, other)).rejects.toMatchObject({ code: 'forbidden' });
    expect(await t.prisma.mailbox.count({ where: { address: 'user001@theirs.test', quotaBytes: 1 } })).toBe(1);
  });
  it('manages its own domain’s mailboxes, audited with its email and IP', async () => {
    await createMailbox(t.prisma, da, { address: 'mine1@mine.test', password: PW });
    const row = await t.prisma.auditLog.findFirstOrThrow({ where: { target: 'mine1@mine.test' } });
    expect(row).toMatchObject({ actor: 'da@mine.test', ip: '192.0.2.5' });
  });
  it('cannot import into another domain', async () => {
    const r = await importMailboxes(t.prisma, da, { csv: 'x@theirs.test,X,1G\n', dryRun: true });
    expect(r.rows[0].errors[0]).toMatchObject({ field: 'address', message: expect.stringMatching(/not one of your domains/) });
  });
});

describe('importMailboxes', () => {
  const csv = [
    'address,name,quota,password',
    'imp1@mine.test,Imp One,1G,Import-Password-1',
    '"imp2@mine.test","Two, with comma",500M,',
    'imp3@mine.test,,,',
  ].join('\r\n');

  it('dry run validates and writes nothing', async () => {
    const r = await importMailboxes(t.prisma, cli, { csv, dryRun: true });
    expect(r).toMatchObject({ dryRun: true, ok: true, created: 0 });
    expect(r.rows.map((x) => [x.line, x.address, x.name, x.quotaBytes, x.passwordGiven])).toEqual([
      [2, 'imp1@mine.test', 'Imp One', 1024 ** 3, true],
      [3, 'imp2@mine.test', 'Two, with comma', 500 * 1024 ** 2, false],
      [4, 'imp3@mine.test', null, 1024 ** 3, false],
    ]);
    expect(r.rows.some((x) => x.generatedPassword)).toBe(false);
    expect(await t.prisma.mailbox.count({ where: { address: { startsWith: 'imp' } } })).toBe(0);
  });

  it('reports every bad row and creates none', async () => {
    const bad = ['alice@mine.test,,,', 'bad address,,,', 'ok@mine.test,,9Q,', 'ok2@mine.test,,,short', 'ok3@nowhere.test', 'dup@mine.test', 'dup@mine.test', 'fine@mine.test'].join('\n');
    const r = await importMailboxes(t.prisma, cli, { csv: bad });
    expect(r.ok).toBe(false);
    expect(r.created).toBe(0);
    expect(r.rows.map((x) => x.errors.map((e) => e.field))).toEqual([['address'], ['address'], ['quota'], ['password'], ['address'], [], ['address'], []]);
    expect(await t.prisma.mailbox.count({ where: { address: 'fine@mine.test' } })).toBe(0);
  });

  it('imports, generating passwords that work, shown once', async () => {
    const r = await importMailboxes(t.prisma, cli, { csv });
    expect(r).toMatchObject({ ok: true, created: 3 });
    expect(r.rows[0].generatedPassword).toBeUndefined();
    const gen = r.rows[1].generatedPassword!;
    expect(gen).toHaveLength(20);
    expect((await verifyMailboxLogin(t.prisma, { address: 'imp2@mine.test', password: gen, ip: '127.0.0.3', service: 'imap' })).ok).toBe(true);
    expect((await verifyMailboxLogin(t.prisma, { address: 'imp1@mine.test', password: 'Import-Password-1', ip: '127.0.0.3', service: 'imap' })).ok).toBe(true);
    expect(await t.prisma.auditLog.count({ where: { action: 'mailbox.create', target: { startsWith: 'imp' } } })).toBe(3);
  });
});
