import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runningPort } from '@/lib/postgres/embedded';
import { ensureBuild } from './e2e/build';
import { postern } from '@/mail-daemon/testing/cli';

// What a new user does on a fresh machine: `npm start` with nothing configured,
// the CLI while it runs, Ctrl-C, and a second start that finds everything kept.

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-npm-start-'));
fs.chmodSync(dataDir, 0o755);
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

async function ports(): Promise<Record<'PORT' | 'POSTERN_SMTP_PORT' | 'POSTERN_SUBMISSION_PORT' | 'POSTERN_SUBMISSIONS_PORT' | 'POSTERN_IMAPS_PORT' | 'POSTERN_POP3S_PORT' | 'POSTERN_HEALTH_PORT', string>> {
  // The daemon's admin port too: its default (8025) may be another run's.
  const names = ['PORT', 'POSTERN_SMTP_PORT', 'POSTERN_SUBMISSION_PORT', 'POSTERN_SUBMISSIONS_PORT', 'POSTERN_IMAPS_PORT', 'POSTERN_POP3S_PORT', 'POSTERN_HEALTH_PORT'] as const;
  const values = await Promise.all(names.map(() => freePort()));
  return Object.fromEntries(names.map((n, i) => [n, String(values[i])])) as Record<(typeof names)[number], string>;
}

function waitFor(started: Started, pattern: RegExp, what: string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = started.output().match(pattern);
      if (match) {
        started.child.stdout!.off('data', check);
        resolve(match);
      }
    };
    started.child.stdout!.on('data', check);
    void started.exited.then((code) => reject(new Error(`npm start exited (${code}) before ${what}:\n${started.output().slice(-3000)}`)));
    check();
  });
}

function npmStart(env: Record<string, string>): Started {
  const child = spawn('node_modules/.bin/tsx', ['scripts/start.ts'], {
    env: { ...process.env, DATABASE_URL: '', ADMIN_EMAIL: '', ADMIN_PASSWORD: '', POSTERN_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

function cli(args: string[], input?: string) {
  return postern(args, { input, env: { DATABASE_URL: '', POSTERN_DATA_DIR: dataDir } });
}

async function untilReady(started: Started): Promise<void> {
  await waitFor(started, /\[postern\] press Ctrl-C to stop/, 'it was up');
  await waitFor(started, /\[web\] .*Ready in/, 'the panel was ready');
  await waitFor(started, /\[daemon\] .*mail daemon started/, 'the daemon started');
}

describe('npm start on a fresh data directory', () => {
  it('prints the panel and the admin credentials, serves the login page, works with the CLI, and keeps data across a restart', { timeout: 600_000 }, async () => {
    const build = await ensureBuild();
    const env = { ...(await ports()), NEXT_DIST_DIR: build.distDir };

    const first = npmStart(env);
    await untilReady(first);
    expect(first.output()).toContain(`[postern] admin panel: http://localhost:${env.PORT}`);
    const email = first.output().match(/email: +(\S+)/)?.[1];
    const password = first.output().match(/password: +(\S+)/)?.[1];
    expect(email).toMatch(/^admin@/);
    expect(password).toMatch(/^\S{12,}$/);

    const login = await fetch(`http://127.0.0.1:${env.PORT}/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toMatch(/type="password"/);

    // The CLI finds the running embedded cluster.
    expect((await cli(['domain', 'add', 'example.test'])).code).toBe(0);
    expect((await cli(['mailbox', 'add', 'alice@example.test', '--password-stdin'], 'correct horse battery staple 9\n')).code).toBe(0);
    const bad = await cli(['mailbox', 'add', 'bob@example.test', '--quota', '2X', '--password-stdin'], 'correct horse battery staple 9\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^postern: quota: /);

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('[postern] stopped');
    expect(runningPort(path.join(dataDir, 'postgres'))).toBeUndefined();
    expect(fs.existsSync(path.join(dataDir, 'postern.pid'))).toBe(false);

    const second = npmStart(env);
    await untilReady(second);
    expect(second.output()).not.toMatch(/password:/);
    const list = await cli(['mailbox', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((m: { address: string }) => m.address)).toEqual(['alice@example.test']);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
