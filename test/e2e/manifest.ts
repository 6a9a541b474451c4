import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from './build';

// What a production build contains, read from its manifests: every page and route handler
// (app-paths-manifest.json) and every Server Action (server-reference-manifest.json), with
// the means to call an action as the browser does. For specs that try each of them.

export interface ServerAction {
  id: string;
  filename: string;
  exportedName: string;
  /** The page whose POST carries it, e.g. "app/(admin)/mailboxes/page". */
  worker: string;
}

// React's own encoder for Server Action arguments, as the browser sends them.
export const { encodeReply } = createRequire(import.meta.url)('next/dist/compiled/react-server-dom-turbopack/client.node') as {
  encodeReply(value: unknown): Promise<string | FormData>;
};

/** Every Server Action of the build that a page posts. */
export function serverActions(distDir: string): ServerAction[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, distDir, 'server/server-reference-manifest.json'), 'utf8')) as {
    node: Record<string, { workers: Record<string, unknown>; filename: string; exportedName: string }>;
  };
  return Object.entries(manifest.node).flatMap(([id, e]) => {
    const worker = Object.keys(e.workers).find((w) => w.endsWith('/page'));
    return worker ? [{ id, filename: e.filename, exportedName: e.exportedName, worker }] : [];
  });
}

/** Every page and route handler of the build: "/(admin)/mailboxes/[address]/page", "/api/health/route"… */
export function appPaths(distDir: string): string[] {
  return Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, distDir, 'server/app-paths-manifest.json'), 'utf8')) as Record<string, string>);
}

/** "app/(admin)/mailboxes/[address]/page" or "/(admin)/mailboxes/[address]/page" → "/mailboxes/x%40example.test" */
export function pagePath(entry: string): string {
  const segments = entry
    .replace(/^\/?app\//, '')
    .replace(/\/(page|route)$/, '')
    .split('/')
    .filter((s) => s && !/^\(.*\)$/.test(s))
    .map((s) => (s.startsWith('[') ? 'x%40example.test' : s));
  return `/${segments.join('/')}`;
}

/** Plausible form fields for any action, so an action that reads its form first still gets that far. */
export function formFields(): FormData {
  const fd = new FormData();
  const fields: Record<string, string> = {
    name: 'evil.test', domain: 'evil.test', address: 'evil@evil.test', localPart: 'evil', email: 'evil@evil.test',
    password: 'Evil-Password-123', source: 'evil@evil.test', destinations: 'x@evil.test', enabled: 'on', id: '00000000-0000-0000-0000-000000000001',
  };
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fd;
}

/** Calls one Server Action as the browser would (with `cookie`); the redirect it answered, or null. */
export async function callAction(baseUrl: string, action: ServerAction, cookie: string): Promise<{ status: number; redirect: string | null; body: string }> {
  const res = await fetch(baseUrl + pagePath(action.worker), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'next-action': action.id, accept: 'text/x-component', cookie },
    body: await encodeReply([{}, formFields()]),
  });
  return { status: res.status, redirect: res.headers.get('x-action-redirect') ?? res.headers.get('location'), body: await res.text() };
}
