import type { Logger } from '@/lib/log';
import type { DaemonContext, DaemonService, ListenerInfo } from './context';

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
): DaemonService {
  let timer: NodeJS.Timeout | undefined;
  let first: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  return {
    name,
    async start(ctx: DaemonContext): Promise<ListenerInfo[]> {
      const log = ctx.log.child({ part: name });
      const run = () => {
        if (running) return;
        running = pass(ctx, log)
          .catch((err) => log.error({ err: (err as Error).message }, `${name} pass failed`))
          .finally(() => (running = undefined));
      };
      timer = setInterval(run, intervalMs);
      timer.unref();
      first = setTimeout(run, firstDelayMs);
      first.unref();
      return [];
    },
    async stop() {
      clearInterval(timer);
      clearTimeout(first);
      await running;
    },
  };
}
