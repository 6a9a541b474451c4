import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './build';
import { createAdmin, signInHttp, startPanel, type Panel } from './index';

// Every Server Action is a public POST endpoint. This calls each one in the build
// (of every panel area) without a valid session — a forged cookie gets past the proxy's
// optimistic check — and expects the action's own requireAdmin() to send it to the
// login page before it touches its arguments or the database.

interface ActionEntry {
  workers: Record<string, unknown>;
  filename: string;
  exportedName: string;
}

// React's own encoder for Server Action arguments, as the browser sends them.
const { encodeReply } = createRequire(import.meta.url)('next/dist/compiled/react-server-dom-turbopack/client.node') as {
  encodeReply(value: unknown): Promise<string | FormData>;
};

/** Plausible form fields for any action, so an action that reads its form first still gets that far. */
function formFields(): FormData {
  const fd = new FormData();
  const fields: Record<string, string> = {
    name: 'evil.test', domain: 'evil.test', address: 'evil@evil.test', localPart: 'evil', email: 'evil@evil.test',
    password: 'Evil-Password-123', source: 'evil@evil.test', destinations: 'x@evil.test', enabled: 'on', id: '00000000-0000-0000-0000-000000000001',
  };
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fd;
}

let panel: Panel;

beforeAll(async () => {
  panel = await startPanel();
}, 600_000);

afterAll(async () => {
  await panel?.stop();
});

/** "app/(admin)/mailboxes/[address]/page" → "/mailboxes/x" */
function pagePath(worker: string): string {
  const segments = worker
    .replace(/^app\//, '')
    .replace(/\/page$/, '')
    .split('/')
    .filter((s) => s && !/^\(.*\)$/.test(s))
    .map((s) => (s.startsWith('[') ? 'x%40example.test' : s));
  return `/${segments.join('/')}`;
}

describe('server actions without a session', () => {
  it('every action redirects to /login and changes nothing', async () => {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(ROOT, panel.distDir, 'server/server-reference-manifest.json'), 'utf8'),
    ) as { node: Record<string, ActionEntry> };
    const actions = Object.entries(manifest.node);
    expect(actions.length).toBeGreaterThan(5);
    const auditBefore = await panel.db.prisma.auditLog.count();
    const failures: string[] = [];
    for (const [id, entry] of actions) {
      const worker = Object.keys(entry.workers).find((w) => w.endsWith('/page'));
      if (!worker) continue;
      const res = await fetch(panel.url + pagePath(worker), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'next-action': id, accept: 'text/x-component', cookie: 'next-auth.session-token=forged' },
        body: await encodeReply([{}, formFields()]),
      });
      const redirect = res.headers.get('x-action-redirect') ?? res.headers.get('location') ?? '';
      if (!redirect.startsWith('/login')) {
        failures.push(`${entry.filename} ${entry.exportedName}: ${res.status} ${redirect || (await res.text()).slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await panel.db.prisma.auditLog.count()).toBe(auditBefore);
    expect(await panel.db.prisma.domain.count()).toBe(0);

    // Positive control: the same call with a real session does what it says.
    const admin = await createAdmin(panel.db.prisma);
    const cookie = await signInHttp(panel.url, admin.email, admin.password);
    const [id] = actions.find(([, e]) => e.exportedName === 'addDomainAction')!;
    const res = await fetch(`${panel.url}/domains`, {
      method: 'POST',
      headers: { 'next-action': id, accept: 'text/x-component', cookie },
      body: await encodeReply([{}, formFields()]),
    });
    expect(res.status).toBe(200);
    expect(await panel.db.prisma.domain.count({ where: { name: 'evil.test' } })).toBe(1);
  });
});
