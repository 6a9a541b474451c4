import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/actor';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { CLI, useTestEnv } from '@/mail-daemon/testing/certificates';
import { activateCertificate } from './activate-certificate';
import { createCa } from './create-ca';
import { deleteCertificate } from './delete-certificate';
import { issueServerCertificate } from './issue-server-certificate';
import { unsealKey } from './keys';
import { rotateCertificate } from './rotate-certificate';

let t: TestDatabase;
beforeAll(async () => {
  useTestEnv();
  t = await createTestDatabase();
  await createCa(t.prisma, CLI, { commonName: 'Rotation Test Root', keySpec: 'ec-p256', validityDays: 3650 });
});
afterAll(async () => t?.drop());

describe('rotate and delete', () => {
  it('rotates the active certificate: a new one from the CA, same names, services and key, active; the old one retired; audited', async () => {
    const old = await issueServerCertificate(t.prisma, CLI, { hosts: ['rot.example.test'], keySpec: 'ec-p256', services: ['imap'] });
    await activateCertificate(t.prisma, CLI, old.id);
    const r = await rotateCertificate(t.prisma, CLI, old.id);
    const [before, after] = await Promise.all([
      t.prisma.certificate.findUniqueOrThrow({ where: { id: old.id } }),
      t.prisma.certificate.findUniqueOrThrow({ where: { id: r.newId } }),
    ]);
    expect([before.status, after.status]).toEqual(['RETIRED', 'ACTIVE']);
    expect(after).toMatchObject({ hosts: ['rot.example.test'], services: ['imap'], renewedFromId: old.id });
    expect(unsealKey(after.keySealed)).toBe(unsealKey(before.keySealed));
    expect(after.fingerprintSha256).not.toBe(before.fingerprintSha256);
    expect(await t.prisma.auditLog.count({ where: { action: 'certificate.rotate', target: old.id } })).toBe(1);
  });

  it.each([
    ['a pending certificate', 'PENDING', 'conflict'],
    ['a retired certificate', 'RETIRED', 'conflict'],
  ] as const)('refuses to rotate %s', async (_name, status, code) => {
    const c = await issueServerCertificate(t.prisma, CLI, { hosts: ['norot.example.test'], keySpec: 'ec-p256' });
    await t.prisma.certificate.update({ where: { id: c.id }, data: { status } });
    await expect(rotateCertificate(t.prisma, CLI, c.id)).rejects.toMatchObject({ code });
  });

  it.each([
    ['PENDING', false],
    ['ACTIVE', false],
    ['RETIRED', true],
  ] as const)('deletes a %s certificate: %s', async (status, deleted) => {
    const c = await issueServerCertificate(t.prisma, CLI, { hosts: [`del-${status.toLowerCase()}.example.test`], keySpec: 'ec-p256' });
    await t.prisma.certificate.update({ where: { id: c.id }, data: { status } });
    const outcome = await deleteCertificate(t.prisma, CLI, c.id).then(() => 'deleted', (err: { code: string }) => err.code);
    expect(outcome).toBe(deleted ? 'deleted' : 'conflict');
    expect(await t.prisma.certificate.count({ where: { id: c.id } })).toBe(deleted ? 0 : 1);
    expect(await t.prisma.auditLog.count({ where: { action: 'certificate.delete', target: c.id } })).toBe(deleted ? 1 : 0);
  });

  it('refuses an admin who is not global', async () => {
    const c = await issueServerCertificate(t.prisma, CLI, { hosts: ['scope.example.test'], keySpec: 'ec-p256' });
    const domainAdmin: Actor = { kind: 'admin', id: '00000000-0000-0000-0000-000000000001', email: 'd@example.test', role: 'DOMAIN', domainIds: [] };
    await expect(deleteCertificate(t.prisma, domainAdmin, c.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(rotateCertificate(t.prisma, domainAdmin, c.id)).rejects.toMatchObject({ code: 'forbidden' });
  });
});
