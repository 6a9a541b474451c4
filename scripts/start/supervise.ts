import { describeExit, type Running } from './children';

// What npm start does when something it runs ends on its own: says why, waits, starts it
// again. The wait doubles from a second to half a minute while it keeps failing, and is a
// second again once a run has lasted a minute. Only stop() (Ctrl-C, SIGTERM) ends it.

export interface Backoff {
  /** The wait before the first restart, and again after a run that lasted `steadyMs`. */
  firstMs: number;
  /** The longest wait, however often it fails. */
  maxMs: number;
  /** A run this long was healthy: the next failure waits `firstMs` again. */
  steadyMs: number;
}

export const BACKOFF: Backoff = { firstMs: 1000, maxMs: 30_000, steadyMs: 60_000 };

/**
 * The wait before the next start, after a run (or a failed start, `ranMs` 0) that ended
 * `ranMs` after it began; `previousMs` is the wait before that run, undefined for the first.
 */
export function restartDelay(previousMs: number | undefined, ranMs: number, backoff: Backoff = BACKOFF): number {
  if (previousMs === undefined || ranMs >= backoff.steadyMs) return backoff.firstMs;
  return Math.min(previousMs * 2, backoff.maxMs);
}

export interface Supervised {
  /** The run now alive, if any (none while waiting to restart). */
  current(): Running | undefined;
  /** No more restarts; stops the current run. */
  stop(): Promise<void>;
  /** SIGKILL to the current run, for a stop that took too long. */
  kill(): void;
}

export function supervise(
  name: string,
  first: Running,
  restart: () => Promise<Running>,
  say: (line: string) => void,
  backoff: Backoff = BACKOFF,
): Supervised {
  let current: Running | undefined = first;
  let stopping = false;
  let wake: () => void = () => {};

  const loop = (async () => {
    let delay: number | undefined;
    let since = Date.now();
    while (!stopping) {
      if (current) {
        const exit = await current.exited;
        const ended = current;
        current = undefined;
        if (stopping) break;
        const ran = Date.now() - since;
        delay = restartDelay(delay, ran, backoff);
        say(`${name} ${describeExit(exit)} after ${(ran / 1000).toFixed(1)} s; starting it again in ${delay / 1000} s`);
        for (const line of ended.lastLines()) say(`  ${name}: ${line}`);
      } else {
        // The last start failed: it counts as a run that lasted no time.
        delay = restartDelay(delay, 0, backoff);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopping) break;
      try {
        current = await restart();
        since = Date.now();
        say(`${name} started again (pid ${current.pid})`);
      } catch (err) {
        say(`${name} could not start: ${(err as Error).message}; trying again in ${restartDelay(delay, 0, backoff) / 1000} s`);
      }
      if (stopping) await current?.stop();
    }
  })();

  return {
    current: () => current,
    kill: () => current?.kill(),
    async stop() {
      stopping = true;
      wake();
      await Promise.all([current?.stop(), loop]);
    },
  };
}
