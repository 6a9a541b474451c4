// The real daemon as a child process, for tests that need the whole program: restarts,
// rotation across processes, signals.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@/lib/postgres/embedded';

/** Every test daemon seals and unseals with this key, so several can share a database. */
export const TEST_MASTER_KEY = 'postern-test-master-key-not-secret';

export interface DaemonProcess {
  child: ChildProcess;
  ports: { mx: number; submission: number; submissions: number; imaps: number; pop3s: number; health: number };
  /** stdout lines so far (pino JSON). */
  output: string[];
  exited: Promise<number | null>;
}

/** The real daemon (`tsx mail-daemon/main.ts`) as a child process on free ports. */
export async function spawnDaemon(url: string, dataDir: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<DaemonProcess> {
  const free = { mx: await freePort(), submission: await freePort(), submissions: await freePort(), imaps: await freePort(), pop3s: await freePort(), health: await freePort() };
  const root = path.resolve(import.meta.dirname, '../..');
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url,
    POSTERN_DATA_DIR: dataDir,
    POSTERN_HOSTNAME: 'mx.postern.test',
    POSTERN_SECRET: TEST_MASTER_KEY,
    POSTERN_SMTP_PORT: String(free.mx),
    POSTERN_SUBMISSION_PORT: String(free.submission),
    POSTERN_SUBMISSIONS_PORT: String(free.submissions),
    POSTERN_IMAPS_PORT: String(free.imaps),
    POSTERN_POP3S_PORT: String(free.pop3s),
    POSTERN_LISTEN_HOST: '127.0.0.1',
    POSTERN_HEALTH_PORT: String(free.health),
    LOG_LEVEL: 'info',
    ...env,
  };
  // The ports the daemon listens on: ours, or those a caller chose in `env`.
  const ports = {
    mx: Number(childEnv.POSTERN_SMTP_PORT),
    submission: Number(childEnv.POSTERN_SUBMISSION_PORT),
    submissions: Number(childEnv.POSTERN_SUBMISSIONS_PORT),
    imaps: Number(childEnv.POSTERN_IMAPS_PORT),
    pop3s: Number(childEnv.POSTERN_POP3S_PORT),
    health: Number(childEnv.POSTERN_HEALTH_PORT || 0),
  };
  // One process (node with tsx's loader), not the tsx CLI wrapper: kill -9 must hit the daemon itself.
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(root, 'mail-daemon/main.ts')], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      output.push(...lines);
      if (lines.some((l) => l.includes('"mail daemon started"'))) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    void exited.then((code) => reject(new Error(`daemon exited with ${code}: ${output.slice(-5).join('\n')}`)));
  });
  return { child, ports, output, exited };
}
