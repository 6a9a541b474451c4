// The daemon's idle-time collection: when to collect (a table over the decision), and in this
// process that a heap full of dead objects, and the C allocator's memory freed between blocks
// still in use, are given back once the loop goes quiet, and said.
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { DaemonContext } from '@/mail-daemon/context';
import { memoryService, worthCollecting, type Collected, type HeapSample, type MemoryOptions } from './memory';

const MiB = 1024 * 1024;
const options: Required<MemoryOptions> = { intervalMs: 10_000, idleUtilisation: 0.02, growthBytes: 32 * MiB, spacingMs: 120_000 };
const last: Collected = { floor: 200 * MiB, lowest: 60 * MiB, rssFloor: 400 * MiB, at: 0 };

describe('when to collect', () => {
  const table: [string, HeapSample, boolean][] = [
    ['busy: V8 schedules its own collections', { utilisation: 0.3, heapUsed: 900 * MiB, at: 1_000 }, false],
    ['idle, the heap grew past the last floor', { utilisation: 0.01, heapUsed: 240 * MiB, at: 1_000 }, true],
    ['idle, no growth since the last collection, too soon', { utilisation: 0.01, heapUsed: 210 * MiB, at: 60_000 }, false],
    ['idle, no growth, spacing passed: sessions may have died since', { utilisation: 0.01, heapUsed: 210 * MiB, at: 120_000 }, true],
    ['idle, near what the heap holds with nothing to serve', { utilisation: 0, heapUsed: 90 * MiB, at: 600_000 }, false],
    ['idle, RSS grew since the last pass: the C allocator may hold what connections freed', { utilisation: 0.01, heapUsed: 90 * MiB, rss: 440 * MiB, at: 1_000 }, true],
    ['idle, RSS near the last pass', { utilisation: 0.01, heapUsed: 90 * MiB, rss: 420 * MiB, at: 1_000 }, false],
    ['busy, RSS grew', { utilisation: 0.3, heapUsed: 90 * MiB, rss: 900 * MiB, at: 1_000 }, false],
    ['idle, RSS grew, but the C allocator cannot be trimmed (no rss sampled)', { utilisation: 0.01, heapUsed: 90 * MiB, at: 1_000 }, false],
  ];
  it.each(table)('%s', (_, sample, expected) => {
    expect(worthCollecting(sample, last, options)).toBe(expected);
  });
});

describe('the memory service', () => {
  /** Runs `work` with the service started on a short interval; returns its first idle pass's log line. */
  async function firstPass(work: () => Promise<void> | void): Promise<Record<string, unknown>> {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (chunk, _, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
    const service = memoryService({ intervalMs: 300, growthBytes: 32 * MiB, spacingMs: 0 });
    await service.start({ log } as unknown as DaemonContext);
    try {
      await work();
      await expect.poll(() => lines.find((l) => l.msg === 'idle: heap collected'), { timeout: 10_000, interval: 100 }).toBeTruthy();
      return lines.find((l) => l.msg === 'idle: heap collected')!;
    } finally {
      await service.stop();
    }
  }

  it('collects a heap of dead objects once the loop is idle, and logs before and after', async () => {
    let held = 0;
    const pass = await firstPass(() => {
      // About 100 MiB of small objects, as sessions hold them, then dropped.
      let garbage: { id: number; text: string }[][] | null = Array.from({ length: 200 }, (_, i) => Array.from({ length: 5000 }, (_, j) => ({ id: j, text: `session ${i} line ${j}`.repeat(4) })));
      held = process.memoryUsage().heapUsed;
      expect(garbage.length).toBe(200);
      garbage = null;
    });
    const [before, after] = (pass.heapUsedMiB as number[]).map((n) => n * MiB);
    expect(before).toBeGreaterThan(after + 50 * MiB);
    expect(process.memoryUsage().heapUsed).toBeLessThan(held - 50 * MiB);
  });

  it('gives back what the C allocator holds between blocks still in use', async () => {
    let kept: Buffer[] = [];
    const pass = await firstPass(() => {
      // 160 MiB in 4 KB blocks from malloc (below glibc's mmap threshold), one in sixteen kept:
      // freed, the others leave holes no free() returns, as closed connections' buffers do.
      const blocks = Array.from({ length: 40_000 }, () => Buffer.allocUnsafeSlow(4000).fill(1));
      kept = blocks.filter((_, i) => i % 16 === 0);
    });
    expect(pass.trimmed).toBe(true);
    const [before, after] = pass.rssMiB as number[];
    expect(before - after).toBeGreaterThan(80);
    expect(kept.every((b) => b[0] === 1)).toBe(true);
  });
});
