// What a start that was killed left running is stopped by the next one, group and all; a pid
// the system has since given to another program is left alone.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { isAlive } from '@/lib/postgres/embedded';
import { noteChildren, startTimeOf, stopLeftovers } from './leftovers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-leftovers-'));
const spawned: number[] = [];
afterAll(() => {
  for (const pid of spawned) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A program in its own process group, as npm start runs them, with a worker of its own; its pid and the worker's. */
async function program(ignoreTerm = false): Promise<{ pid: number; worker: number }> {
  const script = `
    const { spawn } = require('node:child_process');
    ${ignoreTerm ? "process.on('SIGTERM', () => {});" : ''}
    const worker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    console.log(worker.pid);
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  const worker = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  child.unref();
  spawned.push(child.pid!, worker);
  return { pid: child.pid!, worker };
}

async function until(what: string, condition: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('stops the programs a killed start noted, with what they started, and forgets them', { timeout: 30_000 }, async () => {
  const dir = path.join(tmp, 'killed');
  fs.mkdirSync(dir);
  const web = await program();
  const daemon = await program(true); // ignores SIGTERM: SIGKILL after the grace
  const noted = noteChildren(dir);
  noted.add('web', web.pid);
  noted.add('daemon', daemon.pid);
  // The killed start never cleared its file; the next start finds it.
  const lines: string[] = [];
  await stopLeftovers(dir, (l) => lines.push(l), 500);
  expect(lines).toEqual([
    `stopping the web (pid ${web.pid}) that a start which was killed left running`,
    `stopping the daemon (pid ${daemon.pid}) that a start which was killed left running`,
  ]);
  for (const pid of [web.pid, web.worker, daemon.pid, daemon.worker]) await until(`pid ${pid} to be gone`, () => !isAlive(pid));
  expect(fs.existsSync(path.join(dir, 'postern.children'))).toBe(false);
});

it('leaves alone a process whose pid was noted but which started at another time, and one that ended', async () => {
  const dir = path.join(tmp, 'reused');
  fs.mkdirSync(dir);
  const other = await program();
  const gone = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => gone.once('exit', r));
  expect(startTimeOf(other.pid)).toMatch(/^\d+$/);
  fs.writeFileSync(path.join(dir, 'postern.children'), `web ${other.pid} 1\ndaemon ${gone.pid} ${startTimeOf(process.pid)}\n`);
  const lines: string[] = [];
  await stopLeftovers(dir, (l) => lines.push(l), 500);
  expect(lines).toEqual([]);
  expect(isAlive(other.pid)).toBe(true);
});

it('keeps the file to what runs now: removed as each program ends, gone after a clean stop', async () => {
  const dir = path.join(tmp, 'clean');
  fs.mkdirSync(dir);
  const noted = noteChildren(dir);
  const a = await program();
  const b = await program();
  noted.add('web', a.pid);
  noted.add('daemon', b.pid);
  const file = path.join(dir, 'postern.children');
  expect(fs.readFileSync(file, 'utf8')).toBe(`web ${a.pid} ${startTimeOf(a.pid)}\ndaemon ${b.pid} ${startTimeOf(b.pid)}\n`);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  noted.remove(a.pid);
  expect(fs.readFileSync(file, 'utf8')).toBe(`daemon ${b.pid} ${startTimeOf(b.pid)}\n`);
  noted.clear();
  expect(fs.existsSync(file)).toBe(false);
});
