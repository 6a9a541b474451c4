import { describeExit, type Running } from './children';

// What npm start does when something it runs ends on its own: says why, waits, starts it
// again. The wait doubles from a second to half a minute while it keeps failing, and is a
// second again once a run has lasted a minute. Only stop() (Ctrl-C, SIGTERM) ends it.
export const FIRST_DELAY_MS = 1000;
export const MAX_DELAY_MS = 30_000;
export const STEADY_MS = 60_000;

export interface Supervised {
  /** The run now alive, if any (none while waiting to restart). */
  current(): Running | undefined;
  /** No more restarts; stops the current run. */
  stop(): Promise<void>;
}

export function supervise(name: string, first: Running, restart: () => Promise<Running>, say: (line: string) => void): Supervised {
  let current: Running | undefined = first;
  let stopping = false;
  let wake: () => void = () => {};

  const loop = (async () => {
    let delay = FIRST_DELAY_MS;
    let since = Date.now();
    while (!stopping) {
      if (current) {
        const exit = await current.exited;
        const ended = current;
        current = undefined;
        if (stopping) break;
        const ran = Date.now() - since;
        if (ran >= STEADY_MS) delay = FIRST_DELAY_MS;
        say(`${name} ${describeExit(exit)} after ${(ran / 1000).toFixed(1)} s; starting it again in ${delay / 1000} s`);
        for (const line of ended.lastLines()) say(`  ${name}: ${line}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopping) break;
      delay = Math.min(delay * 2, MAX_DELAY_MS);
      try {
        current = await restart();
        since = Date.now();
        say(`${name} started again (pid ${current.pid})`);
      } catch (err) {
        say(`${name} could not start: ${(err as Error).message}; trying again in ${delay / 1000} s`);
      }
      if (stopping) await current?.stop();
    }
  })();

  return {
    current: () => current,
    async stop() {
      stopping = true;
      wake();
      await Promise.all([current?.stop(), loop]);
    },
  };
}
