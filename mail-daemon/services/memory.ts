// Memory given back when the daemon goes quiet. V8 collects its old generation only when new
// allocations push it to: after a storm of connections closes (10,000 idle IMAP sessions, say),
// an idle daemon allocates next to nothing, so the sessions' dead objects — and the heap pages
// they fill — stay until the next busy hour. Browsers collect in idle time for the same reason.
// Here, when the event loop was nearly idle for a whole interval and the heap is well above the
// least any collection left, one full collection runs: at once when the heap grew since the last
// one, else at most every `spacingMs` (the dead sessions' objects are counted in the heap as if
// alive until collected, so only another collection can tell). It pauses a process that had
// nothing to do; a busy process is left to V8's own scheduling. After the collection the C
// allocator is trimmed too (./malloc-trim.ts): it holds what the connections' TLS and socket
// buffers freed, which no collection gives back, so a pass also runs when RSS grew since the last.
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { DaemonService, ListenerInfo } from '../context';
import { mallocTrim } from './malloc-trim';

export interface MemoryOptions {
  intervalMs?: number;
  /** Event loop utilisation over the interval under which the process counts as idle. */
  idleUtilisation?: number;
  /** Heap growth that is worth a pause to give back. */
  growthBytes?: number;
  /** Least time between two collections when the heap has not grown since the last one. */
  spacingMs?: number;
}

export interface HeapSample {
  /** Event loop utilisation over the last interval, 0–1. */
  utilisation: number;
  heapUsed: number;
  /** Absent where the C allocator cannot be trimmed: RSS then decides nothing. */
  rss?: number;
  at: number;
}

export interface Collected {
  /** What the last collection left in use, and when it ran. */
  floor: number;
  at: number;
  /** The least any collection (or the start) left: what the heap holds with nothing to serve. */
  lowest: number;
  /** RSS after the last pass (or at the start). */
  rssFloor: number;
}

export function worthCollecting(sample: HeapSample, last: Collected, o: Required<MemoryOptions>): boolean {
  if (sample.utilisation >= o.idleUtilisation) return false;
  if (sample.rss !== undefined && sample.rss - last.rssFloor > o.growthBytes) return true;
  if (sample.heapUsed - last.lowest <= o.growthBytes) return false;
  return sample.heapUsed - last.floor > o.growthBytes || sample.at - last.at >= o.spacingMs;
}

/** V8's full collection, which Node exposes only behind --expose-gc: enabled here instead of on every command line. */
function fullCollection(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const TRIM_AFTER_MS = 1000;

export function memoryService(options: MemoryOptions = {}): DaemonService {
  const o: Required<MemoryOptions> = { intervalMs: 10_000, idleUtilisation: 0.02, growthBytes: 32 * 1024 * 1024, spacingMs: 120_000, ...options };
  let timer: NodeJS.Timeout | undefined;
  /** The trim that follows a collection, while it waits for V8's background freeing. */
  let trimming: NodeJS.Timeout | undefined;
  return {
    name: 'memory',
    async start(ctx): Promise<ListenerInfo[]> {
      const log = ctx.log.child({ part: 'memory' });
      const collect = fullCollection();
      const trim = mallocTrim();
      const start = process.memoryUsage();
      let last: Collected = { floor: start.heapUsed, lowest: start.heapUsed, rssFloor: start.rss, at: Date.now() };
      let loop = performance.eventLoopUtilization();
      timer = setInterval(() => {
        const now = performance.eventLoopUtilization();
        const usage = process.memoryUsage();
        const sample = { utilisation: performance.eventLoopUtilization(now, loop).utilization, heapUsed: usage.heapUsed, rss: trim ? usage.rss : undefined, at: Date.now() };
        loop = now;
        if (trimming || !worthCollecting(sample, last, o)) return;
        collect();
        // V8 frees the dead buffers' memory on a background thread after the collection: trimmed
        // once that has run, or the allocator would still hold it.
        trimming = setTimeout(() => {
          trimming = undefined;
          trim?.();
          const after = process.memoryUsage();
          last = { floor: after.heapUsed, lowest: Math.min(last.lowest, after.heapUsed), rssFloor: after.rss, at: Date.now() };
          const mib = (n: number) => Math.round(n / 1048576);
          log.info({ heapUsedMiB: [mib(usage.heapUsed), mib(after.heapUsed)], rssMiB: [mib(usage.rss), mib(after.rss)], trimmed: trim !== null }, 'idle: heap collected');
          // The collection's own time is not the next interval's work.
          loop = performance.eventLoopUtilization();
        }, TRIM_AFTER_MS);
        trimming.unref();
      }, o.intervalMs);
      timer.unref();
      return [];
    },
    async stop() {
      clearInterval(timer);
      clearTimeout(trimming);
    },
  };
}
