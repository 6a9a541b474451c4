import type { SmtpClient } from './smtp-client';
import type { AttemptFacts } from './types';

// Per-destination connection limits and idle reuse. A destination is a recipient domain
// (its MX hosts) or the smarthost. At most maxPerDestination connections to it are in
// use at once, and idle ones are closed before a new one would exceed the limit. A
// connection whose transaction ended cleanly waits idleMs for the next message to the
// same destination, which starts with RSET (RFC 5321 §4.1.1.5).

/** An open connection brought to where MAIL may be sent, with what is known about it. */
export interface Session {
  client: SmtpClient;
  facts: Omit<AttemptFacts, 'durationMs'>;
  /** MTA-STS testing findings, reported in every outcome's reply (RFC 8461 §5). */
  notes: string[];
}

interface Idle extends Session {
  timer: NodeJS.Timeout;
}

export interface Destination {
  active: number;
  idle: Idle[];
  waiters: Array<() => void>;
}

export interface ConnectionPool {
  /** Set by close(): nothing is kept idle any more. */
  readonly closed: boolean;
  destination(key: string): Destination;
  /** Waits until fewer than maxPerDestination connections to d are in use, and takes one. */
  acquire(d: Destination): Promise<void>;
  /** Gives the place back; the session is kept idle when reusable, else QUIT. */
  release(d: Destination, session: Session | null, reusable: boolean): void;
  /** An idle connection that `fits`, checked alive with RSET. */
  reuse(d: Destination, fits: (s: Session) => boolean): Promise<Session | null>;
  /** Keeps active + idle within the limit before a new connection opens. */
  makeRoom(d: Destination): void;
  /** QUITs every idle connection. */
  close(): Promise<void>;
}

export function createConnectionPool(maxPer: number, idleMs: number): ConnectionPool {
  const destinations = new Map<string, Destination>();
  let closed = false;

  return {
    get closed() {
      return closed;
    },

    destination(key) {
      let d = destinations.get(key);
      if (!d) destinations.set(key, (d = { active: 0, idle: [], waiters: [] }));
      return d;
    },

    async acquire(d) {
      while (d.active >= maxPer) await new Promise<void>((resolve) => d.waiters.push(resolve));
      d.active++;
    },

    release(d, session, reusable) {
      d.active--;
      if (session) {
        if (reusable && idleMs > 0 && !closed && !session.client.closed) {
          const idle: Idle = {
            ...session,
            timer: setTimeout(() => {
              d.idle = d.idle.filter((i) => i !== idle);
              void idle.client.quit();
            }, idleMs),
          };
          idle.timer.unref();
          d.idle.push(idle);
        } else void session.client.quit();
      }
      d.waiters.shift()?.();
    },

    async reuse(d, fits) {
      while (d.idle.length) {
        const i = d.idle.findIndex(fits);
        if (i < 0) return null;
        const [idle] = d.idle.splice(i, 1);
        clearTimeout(idle.timer);
        try {
          const r = await idle.client.rset();
          if (r.code === 250) return { client: idle.client, facts: idle.facts, notes: idle.notes };
        } catch {
          // closed while idle
        }
        idle.client.close();
      }
      return null;
    },

    makeRoom(d) {
      while (d.idle.length && d.active + d.idle.length > maxPer) {
        const old = d.idle.shift()!;
        clearTimeout(old.timer);
        void old.client.quit();
      }
    },

    async close() {
      closed = true;
      const quits: Promise<void>[] = [];
      for (const d of destinations.values()) {
        for (const idle of d.idle.splice(0)) {
          clearTimeout(idle.timer);
          quits.push(idle.client.quit());
        }
      }
      await Promise.all(quits);
    },
  };
}
