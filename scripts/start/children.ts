import { spawn } from 'node:child_process';
import readline from 'node:readline';
import type { Exit } from '@/lib/postgres/embedded';

/** One run of a program npm start looks after: the panel, the daemon, the postmaster. */
export interface Running {
  pid: number;
  exited: Promise<Exit>;
  /** Stops it within a bounded time (a polite signal, then SIGKILL); resolves once it is gone. */
  stop(): Promise<void>;
  /** SIGKILL now, without waiting: for when a stop took longer than npm start may wait. */
  kill(): void;
  /** What it last wrote to stderr, for the line that says why it ended. */
  lastLines(): string[];
}

/** How long a program has after SIGTERM before SIGKILL. */
const GRACE_MS = 10_000;
/** How long its output may trail its exit (the stack trace of a crash arrives after it). */
const DRAIN_MS = 1000;

function signalGroup(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(-pid, name);
  } catch {
    // the group is already empty
  }
}

/**
 * Starts a program with every output line prefixed by its name, e.g. "[daemon] …".
 * `graceMs`: how long stop() waits after SIGTERM before SIGKILL.
 */
export function startChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, { graceMs = GRACE_MS } = {}): Running {
  // A process group of its own: a terminal Ctrl-C reaches only us, and we stop the
  // children in order (web and daemon, then the database).
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const recent: string[] = [];
  let open = 2;
  let drained: () => void = () => {};
  const streamsClosed = new Promise<void>((resolve) => (drained = resolve));
  for (const [stream, isStderr] of [[child.stdout!, false], [child.stderr!, true]] as const) {
    readline
      .createInterface({ input: stream })
      .on('line', (line) => {
        process.stdout.write(`[${name}] ${line}\n`);
        if (isStderr) recent.splice(0, Math.max(0, recent.push(line) - 10));
      })
      .on('close', () => --open === 0 && drained());
  }
  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (err) => {
      recent.push(err.message);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      // Whatever it left behind in its group (workers, a wrapper's child) goes with it, so a
      // restart finds its ports free.
      signalGroup(child.pid!, 'SIGKILL');
      const timer = setTimeout(drained, DRAIN_MS);
      void streamsClosed.then(() => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });
  });
  return {
    pid: child.pid ?? 0,
    exited,
    lastLines: () => recent.slice(-5),
    kill() {
      if (child.pid) signalGroup(child.pid, 'SIGKILL');
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
      signalGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** "exited with code 1", "was killed by SIGKILL". */
export function describeExit(exit: Exit): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  return exit.code === null ? 'ended' : `exited with code ${exit.code}`;
}
