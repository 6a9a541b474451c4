import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, signInHttp, startPanel, type Panel } from './index';
import { callAction, serverActions } from './manifest';

// Every Server Action is a public POST endpoint. This calls each one in the build
// (of every panel area) without a valid session — a forged cookie gets past the proxy's
// optimistic check — and expects the action's own requireAdmin() (requireMailUser() in the
// self-service area) to send it to its sign-in page before it touches its arguments or the database.

let panel: Panel;

beforeAll(async () => {
  panel = await startPanel();
}, 600_000);

afterAll(async () => {
  await panel?.stop();
});

describe('server actions without a session', () => {
  it('every action redirects to /login and changes nothing', async () => {
    const actions = serverActions(panel.distDir);
    expect(actions.length).toBeGreaterThan(5);
    const auditBefore = await panel.db.prisma.auditLog.count();
    const failures: string[] = [];
    for (const action of actions) {
      const { status, redirect, body } = await callAction(panel.url, action, 'next-auth.session-token=forged');
      const signIn = action.worker.startsWith('app/(account)/') ? '/account/login' : '/login';
      if (!(redirect ?? '').startsWith(signIn)) failures.push(`${action.filename} ${action.exportedName}: ${status} ${redirect || body.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
    expect(await panel.db.prisma.auditLog.count()).toBe(auditBefore);
    expect(await panel.db.prisma.domain.count()).toBe(0);

    // Positive control: the same call with a real session does what it says.
    const admin = await createAdmin(panel.db.prisma);
    const cookie = await signInHttp(panel.url, admin.email, admin.password);
    const res = await callAction(panel.url, actions.find((a) => a.exportedName === 'addDomainAction')!, cookie);
    expect(res.status).toBe(200);
    expect(await panel.db.prisma.domain.count({ where: { name: 'evil.test' } })).toBe(1);
  });
});
