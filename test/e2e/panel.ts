import { spawn, type ChildProcess } from 'node:child_process';
import { PANEL_SERVER } from '@/scripts/start/panel';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@/lib/postgres/embedded';
import { ensureBuild, ROOT } from './build';

export interface RunningPanel {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The build this server runs (repository-relative), e.g. to read its manifests. */
  distDir: string;
  /** The master key the panel seals TOTP secrets with (POSTERN_SECRET). */
  masterKey: string;
  /** The key that signs sessions (NEXTAUTH_SECRET), to forge or age tokens in tests. */
  sessionSecret: string;
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The production panel server (scripts/start/panel-server.ts) on the shared production build (test/e2e/build.ts) on a free port
 * against `databaseUrl` (already migrated), with its own secrets and data directory. `env` adds or
 * overrides variables (POSTERN_HOSTNAME, POSTERN_HTTPS_PORT…).
 */
export async function startNext(databaseUrl: string, log?: (line: string) => void, env: Record<string, string> = {}): Promise<RunningPanel> {
  const [build, port] = await Promise.all([ensureBuild(log), freePort()]);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-e2e-data-'));
  const url = `http://127.0.0.1:${port}`;
  const masterKey = randomBytes(32).toString('base64url');
  const sessionSecret = randomBytes(32).toString('base64url');
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', PANEL_SERVER],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
        NEXT_DIST_DIR: build.distDir,
        DATABASE_URL: databaseUrl,
        POSTERN_DATA_DIR: dataDir,
        NEXTAUTH_URL: url,
        NEXTAUTH_SECRET: sessionSecret,
        POSTERN_SECRET: masterKey,
        LOG_LEVEL: 'warn',
        PORT: String(port),
        POSTERN_PANEL_HOST: '127.0.0.1',
        ...env,
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
    void exited.then((code) => reject(new Error(`panel server exited (${code}):\n${output.slice(-4000)}`)));
  });
  return {
    url,
    distDir: build.distDir,
    masterKey,
    sessionSecret,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
