// lib/db/pool.ts against real faults on a real Postgres: a backend terminated under a
// transaction (no crash, the transaction fails as "unavailable", the pool serves on), and
// sessions left read-only (ALTER DATABASE … SET default_transaction_read_only: the sessions
// opened meanwhile keep it, as connections to a standby would) discarded after one failed
// write — not one failure per pooled connection — through pg and through Prisma alike; and a
// backend terminated just as its connection became ready.
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { isConnectionFault, isDatabaseUnavailable, isReadOnlyDatabase } from './faults';
import { createPool } from './pool';
import { createPrisma } from './prisma';
import { withTransaction } from './transaction';

let db: TestDatabase;
let name: string;

async function admin(sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query('SET default_transaction_read_only = off');
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A write that any session can try: read-only ones refuse it with 25006. */
const WRITE = 'UPDATE mailboxes SET quota_bytes = quota_bytes WHERE false';

beforeAll(async () => {
  db = await createTestDatabase();
  name = new URL(db.url).pathname.slice(1);
});
afterAll(async () => {
  await db?.drop();
});

describe('a backend terminated under a transaction', () => {
  it('fails that transaction as "unavailable", crashes nothing, and the pool serves on', async () => {
    const pool = createPool(db.url, { max: 3 });
    const errors: Error[] = [];
    pool.on('error', (e) => errors.push(e));
    try {
      const failed = await withTransaction(pool, async (c) => {
        const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin(`SELECT pg_terminate_backend(${rows[0].pid})`);
        await c.query('SELECT 1');
      }).then(
        () => null,
        (err: unknown) => err,
      );
      expect(failed).not.toBeNull();
      expect(isDatabaseUnavailable(failed)).toBe(true);
      expect(isConnectionFault(failed)).toBe(true);
      const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
      expect(rows[0].one).toBe(1);
      expect(await withTransaction(pool, async (c) => (await c.query('SELECT 2 AS two')).rows[0].two)).toBe(2);
    } finally {
      await pool.end();
    }
  });
});

describe('sessions left read-only', () => {
  it('pg: one write fails with 25006, then every older session is discarded and the next write works', async () => {
    await admin(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
    const pool = createPool(db.url, { max: 4 });
    try {
      // Four sessions opened while the database is read-only, back in the pool, idle.
      const clients = await Promise.all([1, 2, 3, 4].map(() => pool.connect()));
      for (const c of clients) expect((await c.query('SHOW transaction_read_only')).rows[0].transaction_read_only).toBe('on');
      for (const c of clients) c.release();
      expect(pool.idleCount).toBe(4);
      await admin(`ALTER DATABASE ${name} RESET default_transaction_read_only`);

      const first = await withTransaction(pool, (c) => c.query(WRITE)).then(() => null, (err: unknown) => err);
      expect(isReadOnlyDatabase(first)).toBe(true);
      // Without discarding, each of the other three sessions would fail one write more.
      for (let i = 0; i < 4; i++) await withTransaction(pool, (c) => c.query(WRITE));
      await pool.query(WRITE);
      expect((await pool.query('SHOW transaction_read_only')).rows[0].transaction_read_only).toBe('off');
    } finally {
      await admin(`ALTER DATABASE ${name} RESET default_transaction_read_only`);
      await pool.end();
    }
  });

  it('Prisma: the same, through its adapter on our pool', async () => {
    await admin(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
    const prisma = createPrisma(db.url, 4);
    try {
      // Four interactive transactions at once: four sessions, all opened read-only.
      let entered = 0;
      let open!: () => void;
      const all = new Promise<void>((resolve) => (open = resolve));
      await Promise.all(
        [1, 2, 3, 4].map(() =>
          prisma.$transaction(async (tx) => {
            const [row] = await tx.$queryRawUnsafe<{ transaction_read_only: string }[]>('SHOW transaction_read_only');
            expect(row.transaction_read_only).toBe('on');
            if (++entered === 4) open();
            await all;
          }),
        ),
      );
      await admin(`ALTER DATABASE ${name} RESET default_transaction_read_only`);

      const first = await prisma.$executeRawUnsafe(WRITE).then(() => null, (err: unknown) => err);
      expect(isReadOnlyDatabase(first)).toBe(true);
      expect(isDatabaseUnavailable(first)).toBe(true);
      for (let i = 0; i < 4; i++) await prisma.$executeRawUnsafe(WRITE);
      for (let i = 0; i < 4; i++) await prisma.$transaction(async (tx) => tx.$executeRawUnsafe(WRITE));
    } finally {
      await admin(`ALTER DATABASE ${name} RESET default_transaction_read_only`);
      await prisma.$disconnect();
    }
  });
});

/**
 * A TCP relay to the test database that, on its first `count` connections, hands the client the
 * server's bytes up to the first ReadyForQuery with a FATAL 57P01 behind it in the same write,
 * then hangs up: what the client reads when pg_terminate_backend reaches a backend the moment
 * it became ready.
 */
async function terminatingRelay(count: number): Promise<{ url: string; close: () => Promise<void> }> {
  const target = new URL(db.url);
  const fatal = (() => {
    const fields = Buffer.from('SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0');
    const head = Buffer.alloc(5);
    head.write('E');
    head.writeInt32BE(fields.length + 4, 1);
    return Buffer.concat([head, fields]);
  })();
  let left = count;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    const terminate = left-- > 0;
    client.pipe(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    if (!terminate) return void upstream.pipe(client);
    // The authentication exchange passes through as it comes, whole messages at a time.
    let pending = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      let at = 0;
      while (at + 5 <= pending.length && at + 1 + pending.readInt32BE(at + 1) <= pending.length) {
        const end = at + 1 + pending.readInt32BE(at + 1);
        if (pending[at] === 'Z'.charCodeAt(0)) {
          client.end(Buffer.concat([pending.subarray(0, end), fatal]));
          upstream.destroy();
          return;
        }
        at = end;
      }
      client.write(pending.subarray(0, at));
      pending = pending.subarray(at);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(db.url);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return { url: url.toString(), close };
}

describe('a backend terminated as its connection became ready', () => {
  it.each([
    ['the daemon pool (a setup statement on each new connection)', true],
    ['a plain pool', false],
  ])('%s: the FATAL read with the ReadyForQuery crashes nothing; the statement fails as unavailable, the next works', async (_, genericPlans) => {
    const relay = await terminatingRelay(1);
    const errors: Error[] = [];
    const pool = createPool(relay.url, { max: 2, genericPlans, onError: (err) => errors.push(err) });
    try {
      const first = await pool.query('SELECT 1 AS one').then(() => null, (err: unknown) => err);
      if (first) expect(isDatabaseUnavailable(first)).toBe(true);
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
      await relay.close();
    }
  });
});
