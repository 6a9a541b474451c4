import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openEmbedded } from '@/lib/postgres/embedded';

// One real Postgres for the whole run: the one DATABASE_URL names, or a throwaway
// embedded cluster. Each test file then makes its own database in it (mail-daemon/testing/database.ts).
export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide('postgresUrl', process.env.DATABASE_URL);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-test-pg-'));
  fs.chmodSync(dir, 0o755);
  const cluster = await openEmbedded(path.join(dir, 'pg'), 'test');
  project.provide('postgresUrl', cluster.url);
  return async () => {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}
