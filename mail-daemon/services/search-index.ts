// The search indexer: stores the body match texts of newly stored mail (../store/body-index.ts)
// when the daemon has time for it. Not on the delivery path, where computing and storing the text
// made each delivery a fifth slower; and not while the daemon is busy, where it would slow what is
// being served. Each tick looks at the CPU time the process used since the last one (its event
// loop and its threads: argon2 hashes LOGINs off the loop): a quiet daemon indexes batches for at
// most a slice of time, a busy one leaves it for later (SEARCH matches the messages not yet indexed
// over their bytes meanwhile). Every daemon runs it; the batches they claim never overlap.
import { performance } from 'node:perf_hooks';
import { periodicService } from '../periodic';
import { indexBodyTexts } from '../store/body-index';

export interface SearchIndexOptions {
  intervalMs?: number;
  /** Share of one CPU the process used since the last tick under which it has time to index. */
  idleUtilisation?: number;
  /** Longest a tick goes on indexing batches (it indexes one at least). */
  sliceMs?: number;
  /** Least time between two log lines about a backlog. */
  reportMs?: number;
}

/** CPU time the process has used (µs), and when it was read (ms). */
function cpu(): { used: number; at: number } {
  const u = process.cpuUsage();
  return { used: u.user + u.system, at: performance.now() };
}

export function searchIndexService(options: SearchIndexOptions = {}) {
  const o: Required<SearchIndexOptions> = { intervalMs: 2_000, idleUtilisation: 0.3, sliceMs: 200, reportMs: 60_000, ...options };
  let last: ReturnType<typeof cpu> | null = null;
  // A backlog (a store from before the column, or a burst of mail) is said as it shrinks, at most
  // once a minute, and once more when it is gone; a few new messages a pass are not news.
  let unsaid = 0;
  let saidAt: number | null = null;
  return periodicService(
    'search-index',
    o.intervalMs,
    async (ctx, log) => {
      const now = cpu();
      const busy = last ? (now.used - last.used) / 1000 / Math.max(1, now.at - last.at) : 1;
      last = now;
      if (busy >= o.idleUtilisation) return;
      try {
        let claimed: number;
        do unsaid += claimed = await indexBodyTexts(ctx.pool);
        while (claimed > 0 && performance.now() - now.at < o.sliceMs);
        const end = performance.now();
        if (claimed > 0 && (saidAt === null || end - saidAt >= o.reportMs)) {
          log.info({ messages: unsaid }, 'search index: body texts stored, more to do');
          [unsaid, saidAt] = [0, end];
        } else if (claimed === 0 && saidAt !== null) {
          log.info({ messages: unsaid }, 'search index: body texts stored, none left');
          [unsaid, saidAt] = [0, null];
        } else if (claimed === 0 && unsaid > 0) {
          log.debug({ messages: unsaid }, 'search index: body texts stored');
          unsaid = 0;
        }
      } finally {
        // The pass's own work is not the next tick's load.
        last = cpu();
      }
    },
    o.intervalMs,
  );
}
