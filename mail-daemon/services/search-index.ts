// The search indexer: stores the body match texts of newly stored mail (../store/body-index.ts)
// when the daemon has time for it. Not on the delivery path, where computing and storing the text
// made each delivery a fifth slower; and not while the event loop is busy, where it would slow
// what is being served. Each tick looks at how busy the loop was since the last one: a quiet loop
// indexes batches for at most a slice of time, a busy one leaves it for later (SEARCH matches the
// messages not yet indexed over their bytes meanwhile). Every daemon runs it; the batches they
// claim never overlap.
import { performance } from 'node:perf_hooks';
import type { DaemonService, ListenerInfo } from '../context';
import { indexBodyTexts } from '../store/body-index';

export interface SearchIndexOptions {
  intervalMs?: number;
  /** Event loop utilisation since the last tick under which the daemon has time to index. */
  idleUtilisation?: number;
  /** Longest a tick goes on indexing batches (it indexes one at least). */
  sliceMs?: number;
}

export function searchIndexService(options: SearchIndexOptions = {}): DaemonService {
  const o: Required<SearchIndexOptions> = { intervalMs: 2_000, idleUtilisation: 0.3, sliceMs: 200, ...options };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  return {
    name: 'search-index',
    async start(ctx): Promise<ListenerInfo[]> {
      const log = ctx.log.child({ part: 'search-index' });
      let loop = performance.eventLoopUtilization();
      const pass = async () => {
        const started = performance.now();
        let stored = 0;
        let claimed: number;
        do stored += claimed = await indexBodyTexts(ctx.pool);
        while (claimed > 0 && performance.now() - started < o.sliceMs);
        // A backlog (a store from before the column, or a burst of mail) is said as it shrinks.
        if (claimed > 0) log.info({ messages: stored }, 'search index: body texts stored, more to do');
        else if (stored > 0) log.debug({ messages: stored }, 'search index: body texts stored');
      };
      timer = setInterval(() => {
        const now = performance.eventLoopUtilization();
        const busy = performance.eventLoopUtilization(now, loop).utilization;
        loop = now;
        if (running || busy >= o.idleUtilisation) return;
        running = pass()
          .catch((err) => log.warn({ err: (err as Error).message }, 'search index pass failed'))
          .finally(() => {
            running = undefined;
            // The pass's own work is not the next tick's load.
            loop = performance.eventLoopUtilization();
          });
      }, o.intervalMs);
      timer.unref();
      return [];
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
