// The chaos suite, SMTP side: the real daemon (a child process, so a crash shows) under a load
// of uniquely tagged messages from real SMTP clients while its database fails — every backend
// terminated, a read-only episode, Postgres stopped and started, Postgres killed with -9 — and
// afterwards Postgres is asked what was stored. Each fault prints one line: acked (got the 250
// to the end of DATA), stored, lost (acked, not stored), duplicated (stored twice), replies other
// than 250 and the time to recover. Asserted: the daemon lives, nothing acked is lost, every
// failure was a 4xx, the 250s are back within 10 s of the database.
//
// Under `npm test` this is the short form; `POSTERN_CHAOS_FULL=1 npx vitest run test/chaos`
// runs the full one (more clients, more messages, each fault repeated).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { createPool } from '@/lib/db/pool';
import { createPrisma } from '@/lib/db/prisma';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { openChaosCluster, type ChaosCluster } from './cluster';
import { figures, line, SmtpLoad, type Figures } from './load';

const FULL = process.env.POSTERN_CHAOS_FULL === '1';
const SIZE = FULL ? { workers: 8, before: 100, after: 100, failures: 20, rounds: 3 } : { workers: 3, before: 10, after: 10, failures: 3, rounds: 1 };
/** The bound: mail accepted again within 10 s of the database being back. */
const RECOVERY_BOUND_MS = 10_000;
const RECIPIENT = 'load@chaos.test';

let cluster: ChaosCluster;
let daemon: DaemonProcess;
const printed: Figures[] = [];

beforeAll(async () => {
  cluster = await openChaosCluster();
  const db = createPrisma(cluster.url, 2);
  await addDomain(db, SYSTEM, { name: 'chaos.test' });
  await createMailbox(db, SYSTEM, { address: RECIPIENT, password: 'Harbor-Quilt-Seventy-1', quota: '10G' });
  await db.$disconnect();
  const dataDir = path.join(cluster.dir, 'daemon');
  fs.mkdirSync(dataDir);
  daemon = await spawnDaemon(cluster.url, dataDir);
});

afterAll(async () => {
  if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  }
  await cluster?.close();
  for (const f of printed) console.log(line(f));
});

function alive(): void {
  const why = daemon.child.exitCode !== null || daemon.child.signalCode !== null ? `daemon ended (${daemon.child.exitCode ?? daemon.child.signalCode}):\n${daemon.output.slice(-15).join('\n')}` : '';
  expect(why).toBe('');
}

/**
 * One fault under load: warm up, inject, hold it until the load has seen `failures` non-250
 * replies (when `hold`), end it, then wait for `after` more 250s and count.
 */
async function underLoad(fault: string, inject: (load: SmtpLoad) => Promise<void>, end: () => Promise<void>, hold = true): Promise<Figures> {
  const prefix = `${fault.replace(/[^a-z0-9]+/gi, '-')}-${Date.now().toString(36)}`;
  const load = new SmtpLoad(daemon.ports.mx, RECIPIENT, prefix);
  const pool = createPool(cluster.url, { max: 2 });
  try {
    load.start(SIZE.workers);
    await load.until('the warm-up', () => load.acked.size >= SIZE.before, 60_000);
    const faultAt = Date.now();
    await inject(load);
    if (hold) await load.until('the fault to show', () => load.failuresSince(faultAt) >= SIZE.failures, 60_000);
    await end();
    const backAt = Date.now();
    await load.until('mail to be accepted again', () => load.ackedSince(Math.max(backAt, load.lastFailureAt())) >= SIZE.after, 60_000);
    await load.stop();
    alive();
    const f = await figures(fault, load, pool, prefix, faultAt, backAt);
    printed.push(f);
    console.log(line(f));
    const odd = load.failures.filter((x) => x.code === null || x.code < 400 || x.code >= 500).slice(0, 5);
    expect(odd, 'every failure during the fault is a 4xx').toEqual([]);
    expect(f.lost, 'acked but not stored').toBe(0);
    expect(f.recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
    return f;
  } catch (err) {
    // The daemon's own account of the fault, beside what the clients heard (the error's message).
    console.log(`daemon output, last lines:\n${daemon.output.slice(-40).join('')}`);
    throw err;
  } finally {
    await load.stop();
    await pool.end();
  }
}

describe('the daemon under SMTP load while its database fails', { timeout: FULL ? 600_000 : 120_000 }, () => {
  it('every backend terminated (pg_terminate_backend), mid-transaction', async () => {
    for (let round = 0; round < SIZE.rounds; round++) {
      await underLoad(
        'terminate backends',
        async (load) => {
          // Terminated again after each reply, until enough messages in flight met it.
          const faultAt = Date.now();
          while (load.failuresSince(faultAt) < SIZE.failures) {
            await cluster.terminateAll();
            await new Promise<void>((resolve) => load.once('progress', resolve));
          }
        },
        async () => {},
        false,
      );
    }
  });

  it('a read-only episode (25006, as after a failover to a standby), every backend terminated during it', async () => {
    for (let round = 0; round < SIZE.rounds; round++) {
      await underLoad(
        'read-only',
        async (load) => {
          await cluster.readOnly(true);
          const t = Date.now();
          await load.until('the database to refuse writes', () => load.failuresSince(t) > 0, 60_000);
          // The daemon's connections opened from now on start read-only, and stay so after the episode.
          await cluster.terminateAll();
          const killed = Date.now();
          await load.until('the new connections to refuse writes', () => load.failuresSince(killed) >= SIZE.failures, 60_000);
        },
        () => cluster.readOnly(false),
        false,
      );
    }
  });

  it('Postgres stopped and started again', async () => {
    for (let round = 0; round < SIZE.rounds; round++) {
      await underLoad('postgres restart', () => cluster.down('stop'), () => cluster.up());
    }
  });

  it('Postgres killed with -9 and started again (crash recovery)', async () => {
    for (let round = 0; round < SIZE.rounds; round++) {
      await underLoad('postgres kill -9', () => cluster.down('kill'), () => cluster.up());
    }
  });

  it('the daemon lived through it all and is ready', async () => {
    alive();
    const res = await fetch(`http://127.0.0.1:${daemon.ports.health}/readyz`);
    expect(res.status).toBe(200);
  });
});
