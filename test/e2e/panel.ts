import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@/lib/postgres/embedded';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { ensureBuild, ROOT } from './build';

export interface Panel {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The panel's own throwaway database (migrated), for fixtures and assertions. */
  db: TestDatabase;
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the production panel (`next start`) on a free port against a fresh database.
 * Call once per test file (beforeAll); the build itself is shared (test/e2e/build.ts).
 */
export async function startPanel(): Promise<Panel> {
  const [db, build, port] = await Promise.all([createTestDatabase(), ensureBuild(), freePort()]);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-e2e-data-'));
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    ['node_modules/next/dist/bin/next', 'start', '--port', String(port), '--hostname', '127.0.0.1'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
        NEXT_DIST_DIR: build.distDir,
        DATABASE_URL: db.url,
        POSTERN_DATA_DIR: dataDir,
        NEXTAUTH_URL: url,
        NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
        POSTERN_SECRET: randomBytes(32).toString('base64url'),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready in/.test(output)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`next start exited (${code}):\n${output.slice(-4000)}`)));
  });
  return {
    url,
    db,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
