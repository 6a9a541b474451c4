import { CHANNELS } from '@/lib/db/channels';
import type { DaemonContext, DaemonService, ListenerInfo } from '../context';
import { createRspamdClient } from '../rspamd/client';
import { createJunkTrainingQueue } from '../store';

export interface JunkLearningOptions {
  /** See createJunkTrainingQueue. */
  retryBaseSeconds?: number;
}

/** How often to look for judgements due again (a retry wakes no NOTIFY), ms. */
const POLL_MS = 30_000;

/**
 * Teaches rspamd's Bayes classifier what users move into Junk (spam) and out of it (ham).
 * Runs only with POSTERN_RSPAMD_URL; without it the judgements stay recorded, and are learnt
 * once rspamd is configured. Woken by NOTIFY on CHANNELS.junk, and by a poll for retries. A
 * failed learn (rspamd down, refusing) pauses this learner, doubling up to five minutes.
 */
export function junkLearningService(options: JunkLearningOptions = {}): DaemonService {
  let stopped = false;
  let draining: Promise<void> | undefined;
  let again = false;
  let poll: NodeJS.Timeout | undefined;
  let pause: { timer: NodeJS.Timeout; done: () => void } | undefined;
  let pauseMs = 0;

  const rest = (ms: number) =>
    new Promise<void>((done) => {
      pause = { timer: setTimeout(done, ms), done };
    }).finally(() => (pause = undefined));

  return {
    name: 'junk-learning',
    async start(ctx: DaemonContext): Promise<ListenerInfo[]> {
      const log = ctx.log.child({ part: 'junk-learning' });
      const url = ctx.env.POSTERN_RSPAMD_URL;
      if (!url) {
        log.info('no POSTERN_RSPAMD_URL: Junk judgements are recorded, not learnt');
        return [];
      }
      const rspamd = createRspamdClient(url, { password: ctx.env.POSTERN_RSPAMD_PASSWORD });
      const queue = createJunkTrainingQueue(ctx.pool, { retryBaseSeconds: options.retryBaseSeconds });

      const drain = async () => {
        do {
          again = false;
          while (!stopped) {
            let next;
            try {
              next = await queue.learnNext((verdict, raw) => rspamd.learn(verdict, raw));
            } catch (err) {
              next = { id: '', outcome: 'failed' as const, error: (err as Error).message };
            }
            if (!next) break;
            if (next.outcome === 'learned') {
              pauseMs = 0;
              log.debug({ id: next.id }, 'Junk judgement learnt');
              continue;
            }
            if (next.outcome === 'gone') {
              log.info({ id: next.id }, 'Junk judgement not learnt: the message is no longer stored');
              continue;
            }
            pauseMs = Math.min(pauseMs ? pauseMs * 2 : 1000, 300_000);
            log.warn({ id: next.id, err: next.error, pauseMs }, 'rspamd learn failed');
            await rest(pauseMs);
          }
        } while (again && !stopped);
      };
      const wake = () => {
        if (stopped) return;
        if (draining) {
          again = true;
          return;
        }
        draining = drain().finally(() => (draining = undefined));
      };

      await ctx.bus.listen(CHANNELS.junk, wake);
      poll = setInterval(wake, POLL_MS);
      poll.unref();
      wake();
      return [];
    },
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(poll);
      if (pause) {
        clearTimeout(pause.timer);
        pause.done();
      }
      await draining;
    },
  };
}
