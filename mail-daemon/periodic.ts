import type { Logger } from '@/lib/log';
import type { DaemonContext, DaemonService, ListenerInfo } from './context';

/** A periodic part that can also be asked for a pass now (on a NOTIFY, say). */
export interface PeriodicService extends DaemonService {
  /** Runs a pass now, or one more right after the pass under way. */
  wake(): void;
}

/**
 * A daemon part that runs `pass` shortly after start and then every `intervalMs`,
 * never two passes at once; a failed pass is logged and retried at the next tick.
 * Stopping waits for a pass under way.
 */
export function periodicService(
  name: string,
  intervalMs: number,
  pass: (ctx: DaemonContext, log: Logger) => Promise<void>,
  firstDelayMs = 10_000,
): PeriodicService {
  let timer: NodeJS.Timeout | undefined;
  let first: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let again = false;
  let run: (() => void) | undefined;
  return {
    name,
    wake() {
      if (running) again = true;
      else run?.();
    },
    async start(ctx: DaemonContext): Promise<ListenerInfo[]> {
      const log = ctx.log.child({ part: name });
      run = () => {
        if (running) return;
        running = pass(ctx, log)
          .catch((err) => log.error({ err: (err as Error).message }, `${name} pass failed`))
          .finally(() => {
            running = undefined;
            if (again && run) {
              again = false;
              run();
            }
          });
      };
      timer = setInterval(run, intervalMs);
      timer.unref();
      first = setTimeout(run, firstDelayMs);
      first.unref();
      return [];
    },
    async stop() {
      run = undefined;
      clearInterval(timer);
      clearTimeout(first);
      await running;
    },
  };
}
