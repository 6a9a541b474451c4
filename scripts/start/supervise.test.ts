// The supervisor's schedule, and the supervisor itself around real processes (node -e …):
// what ends on its own is said and started again after a growing wait, what is stopped
// stays stopped, and a stop is bounded even for a program that ignores SIGTERM.
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '@/lib/postgres/embedded';
import { startChild, type Running } from './children';
import { BACKOFF, restartDelay, supervise, type Backoff, type Supervised } from './supervise';

/** Polls `condition` until it holds; fails naming `what` past the deadline. */
async function until<T>(what: string, condition: () => T | undefined | null | false, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const node = (name: string, script: string, graceMs?: number): Running => startChild(name, process.execPath, ['-e', script], process.env, { graceMs });

const supervised: Supervised[] = [];
afterEach(async () => {
  await Promise.all(supervised.splice(0).map((s) => s.stop()));
});

describe('restartDelay', () => {
  it('doubles from a second to half a minute while runs keep failing', () => {
    const waits: number[] = [];
    let delay: number | undefined;
    for (let i = 0; i < 8; i++) waits.push((delay = restartDelay(delay, 500)));
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('is a second again after a run that lasted a minute, and a failed start counts as a run of no time', () => {
    expect(restartDelay(30_000, BACKOFF.steadyMs)).toBe(1000);
    expect(restartDelay(30_000, BACKOFF.steadyMs - 1)).toBe(30_000);
    expect(restartDelay(4000, 0)).toBe(8000);
  });

  it('follows the backoff it is given', () => {
    const quick: Backoff = { firstMs: 10, maxMs: 25, steadyMs: 100 };
    expect([restartDelay(undefined, 0, quick), restartDelay(10, 0, quick), restartDelay(20, 0, quick), restartDelay(25, 100, quick)]).toEqual([10, 20, 25, 10]);
  });
});

describe('supervise', () => {
  const quick: Backoff = { firstMs: 20, maxMs: 80, steadyMs: 60_000 };

  it('says why a program ended, with its last stderr lines, and starts it again after a growing wait', async () => {
    const lines: string[] = [];
    const crash = `console.error('cannot open the spool'); process.exit(3)`;
    const s = supervise('daemon', node('daemon', crash), async () => node('daemon', crash), (l) => lines.push(l), quick);
    supervised.push(s);
    await until('four restarts', () => lines.filter((l) => l.startsWith('daemon started again')).length >= 4);
    const ended = lines.filter((l) => l.startsWith('daemon exited'));
    expect(ended.slice(0, 4).map((l) => l.replace(/after [\d.]+ s/, 'after … s'))).toEqual([
      'daemon exited with code 3 after … s; starting it again in 0.02 s',
      'daemon exited with code 3 after … s; starting it again in 0.04 s',
      'daemon exited with code 3 after … s; starting it again in 0.08 s',
      'daemon exited with code 3 after … s; starting it again in 0.08 s',
    ]);
    expect(lines[lines.indexOf(ended[0]) + 1]).toBe('  daemon: cannot open the spool');
    expect(lines.filter((l) => l.startsWith('daemon started again')).every((l) => /^daemon started again \(pid \d+\)$/.test(l))).toBe(true);
  });

  it('names the signal that killed it, and a new pid takes its place', async () => {
    const lines: string[] = [];
    const forever = `setInterval(() => {}, 1000)`;
    const first = node('web', forever);
    const s = supervise('web', first, async () => node('web', forever), (l) => lines.push(l), quick);
    supervised.push(s);
    process.kill(first.pid, 'SIGKILL');
    const again = await until('a new run', () => s.current() !== first && s.current());
    expect(again.pid).not.toBe(first.pid);
    expect(isAlive(again.pid)).toBe(true);
    expect(lines[0]).toMatch(/^web was killed by SIGKILL after [\d.]+ s; starting it again in 0\.02 s$/);
    expect(lines).toContain(`web started again (pid ${again.pid})`);
  });

  it('keeps trying when a start fails, and says so', async () => {
    const lines: string[] = [];
    let attempts = 0;
    const s = supervise(
      'postgres',
      node('postgres', 'process.exit(1)'),
      async () => {
        if (++attempts < 3) throw new Error('port 5433 is in use by another program');
        return node('postgres', 'setInterval(() => {}, 1000)');
      },
      (l) => lines.push(l),
      quick,
    );
    supervised.push(s);
    await until('the third attempt to succeed', () => lines.some((l) => l.startsWith('postgres started again')));
    expect(lines.filter((l) => l.includes('could not start'))).toEqual([
      'postgres could not start: port 5433 is in use by another program; trying again in 0.04 s',
      'postgres could not start: port 5433 is in use by another program; trying again in 0.08 s',
    ]);
  });

  it('stops for good on stop(): the program is gone and nothing starts again', async () => {
    const lines: string[] = [];
    const forever = `setInterval(() => {}, 1000)`;
    const first = node('web', forever);
    const s = supervise('web', first, async () => node('web', forever), (l) => lines.push(l), quick);
    await s.stop();
    expect(await first.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(isAlive(first.pid)).toBe(false);
    expect(s.current()).toBeUndefined();
    expect(lines).toEqual([]);
  });

  it('stops while it waits to restart', async () => {
    const lines: string[] = [];
    let restarts = 0;
    const slow: Backoff = { firstMs: 60_000, maxMs: 60_000, steadyMs: 60_000 };
    const s = supervise('daemon', node('daemon', 'process.exit(2)'), async () => (restarts++, node('daemon', 'process.exit(2)')), (l) => lines.push(l), slow);
    await until('the exit to be seen', () => lines.length > 0);
    await s.stop();
    expect(restarts).toBe(0);
  });

  it('kills a program that ignores SIGTERM once its grace is over, and whatever it started with it', async () => {
    // The grandchild stands for a worker holding the program's port: a restart must find it gone.
    const stubborn = `
      const { spawn } = require('node:child_process');
      const worker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      process.on('SIGTERM', () => {});
      console.error('worker ' + worker.pid);
      setInterval(() => {}, 1000);`;
    const first = node('daemon', stubborn, 300);
    const worker = Number((await until('the worker pid', () => first.lastLines().join('\n').match(/worker (\d+)/)))[1]);
    const s = supervise('daemon', first, async () => node('daemon', stubborn, 300), () => {}, quick);
    await s.stop();
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await until('the worker to be gone', () => !isAlive(worker), 5000);
  });

  it('takes down what a program left behind when it ends on its own, so its restart finds the ports free', async () => {
    const leaves = `
      const { spawn } = require('node:child_process');
      const worker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      console.error('worker ' + worker.pid);
      setTimeout(() => process.exit(1), 100);`;
    const first = node('daemon', leaves);
    const worker = Number((await until('the worker pid', () => first.lastLines().join('\n').match(/worker (\d+)/)))[1]);
    expect(await first.exited).toEqual({ code: 1, signal: null });
    await until('the worker to be gone', () => !isAlive(worker), 5000);
  });
});
