// lib/db/group-commit.ts on a real Postgres: statements arriving while a group commits share the
// next transaction; a statement alone is its own; a failing statement fails only its caller; a
// row held elsewhere makes the group fall back instead of stalling it; a failed COMMIT tells
// nobody "stored"; an asynchronous statement's transaction does not wait for the WAL flush unless
// it shares it with a durable one; and the named statements of lib/db/pool.ts are parsed once per
// connection.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { GroupCommit } from './group-commit';
import { createPool, prepared } from './pool';

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  await pool.query(`CREATE TABLE gc_rows (id int PRIMARY KEY, note text)`);
  // Checked at COMMIT only: two rows with the same key make the COMMIT itself fail.
  await pool.query(`CREATE TABLE gc_deferred (k int, CONSTRAINT gc_deferred_k UNIQUE (k) DEFERRABLE INITIALLY DEFERRED)`);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const insert = (id: number, table = 'gc_rows'): pg.QueryConfig => ({
  text: `INSERT INTO ${table} ${table === 'gc_rows' ? '(id, note)' : '(k)'} VALUES ($1${table === 'gc_rows' ? ", 'x'" : ''}) RETURNING txid_current()::text AS tx`,
  values: [id],
});

const count = async (table: string) => Number((await pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

describe('group commit', () => {
  it('runs a statement that finds it idle alone, and those that arrive meanwhile in one transaction', async () => {
    const group = new GroupCommit(pool);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => group.run<{ tx: string }>(insert(100 + i))));
    const txs = results.map((r) => r.rows[0].tx);
    // The first ran at once on its own; the other eleven waited for it and then shared one COMMIT.
    expect(new Set(txs).size).toBe(2);
    expect(txs.slice(1).every((tx) => tx === txs[1])).toBe(true);
    expect(txs[0]).not.toBe(txs[1]);
    expect(await count('gc_rows')).toBeGreaterThanOrEqual(12);
  });

  it('sends a group in one write: BEGIN, its statements and COMMIT, without waiting for an answer between them', async () => {
    const counted = createPool(db.url, { max: 2 });
    const writes: string[] = [];
    // What reaches the socket, one entry per write to it (a corked stream hands over its chunks together).
    counted.on('connect', (client) => {
      type Chunk = { chunk: Buffer };
      const stream = (client as unknown as { connection: { stream: { _write: (c: Buffer, ...a: unknown[]) => void; _writev: (c: Chunk[], ...a: unknown[]) => void } } }).connection.stream;
      const write = stream._write.bind(stream);
      const writev = stream._writev.bind(stream);
      stream._write = (chunk, ...rest) => (writes.push(chunk.toString('latin1')), write(chunk, ...rest));
      stream._writev = (chunks, ...rest) => (writes.push(chunks.map((c) => c.chunk.toString('latin1')).join('')), writev(chunks, ...rest));
    });
    try {
      const group = new GroupCommit(counted);
      const first = group.run(insert(150));
      const rest = Promise.all([151, 152, 153].map((id) => group.run(insert(id))));
      await first;
      writes.length = 0;
      await rest;
      const groupWrites = writes.filter((w) => w.includes('BEGIN') || w.includes('INSERT') || w.includes('COMMIT'));
      expect(groupWrites).toHaveLength(1);
      expect(groupWrites[0]).toMatch(/BEGIN[\s\S]*INSERT[\s\S]*INSERT[\s\S]*INSERT[\s\S]*COMMIT/);
    } finally {
      await counted.end();
    }
  });

  it('a failing statement fails its own caller only: the others are stored', async () => {
    const group = new GroupCommit(pool);
    const ids = [200, 201, 100 /* exists: duplicate key */, 202];
    const outcomes = await Promise.allSettled(ids.map((id) => group.run(insert(id))));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ code: '23505' });
    const { rows } = await pool.query(`SELECT id FROM gc_rows WHERE id BETWEEN 200 AND 299 ORDER BY id`);
    expect(rows.map((r) => r.id)).toEqual([200, 201, 202]);
  });

  it('a row locked elsewhere makes the group fall back to one statement at a time, and all are stored once it is free', async () => {
    await pool.query(`INSERT INTO gc_rows (id, note) VALUES (300, 'held')`);
    const holder = await pool.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT * FROM gc_rows WHERE id = 300 FOR UPDATE`);
    const group = new GroupCommit(pool, { lockTimeoutMs: 50 });
    const update = { text: `UPDATE gc_rows SET note = 'updated' WHERE id = 300 RETURNING txid_current()::text AS tx`, values: [] };
    const first = group.run(insert(301)); // alone: the others queue behind it
    const rest = [group.run(insert(302)), group.run(update), group.run(insert(303))];
    await first;
    // The group hit the lock, gave up after 50 ms and went one by one: 302 is stored, the update waits.
    await expect.poll(async () => count(`gc_rows WHERE id = 302`), { timeout: 5000 }).toBe(1);
    await holder.query('COMMIT');
    holder.release();
    const done = await Promise.all(rest);
    expect(done.every((r) => r.rowCount === 1)).toBe(true);
    expect((await pool.query(`SELECT note FROM gc_rows WHERE id = 300`)).rows[0].note).toBe('updated');
    expect(await count(`gc_rows WHERE id IN (301, 302, 303)`)).toBe(3);
  });

  it('a COMMIT that fails tells every statement of the group it failed, and nothing is written', async () => {
    const group = new GroupCommit(pool);
    const first = group.run(insert(1, 'gc_deferred'));
    // These two share a transaction; their duplicate key is found only at its COMMIT.
    const pair = Promise.allSettled([group.run(insert(7, 'gc_deferred')), group.run(insert(7, 'gc_deferred'))]);
    await first;
    const outcomes = await pair;
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toMatchObject({ code: '23505' });
    expect(await count(`gc_deferred WHERE k = 7`)).toBe(0);
    // The committer goes on serving.
    expect((await group.run(insert(8, 'gc_deferred'))).rowCount).toBe(1);
  });

  it('an asynchronous statement commits without waiting for the WAL flush, alone or in a group of such; one durable statement makes its group wait', async () => {
    const setting = (id: number): pg.QueryConfig => ({
      text: `INSERT INTO gc_rows (id, note) VALUES ($1, current_setting('synchronous_commit')) RETURNING note`,
      values: [id],
    });
    const notes = async (runs: [id: number, asynchronous: boolean][]) => {
      // A committer of its own, idle: the first runs alone, the others queue behind it and share a transaction.
      const group = new GroupCommit(pool);
      const results = await Promise.all(runs.map(([id, asynchronous]) => group.run(setting(id), '', { asynchronous })));
      return results.map((r) => r.rows[0].note as string);
    };
    expect(await notes([[900, false]])).toEqual(['on']);
    expect(await notes([[901, true]])).toEqual(['off']);
    expect(await notes([[910, false], [911, true], [912, true]])).toEqual(['on', 'off', 'off']);
    expect(await notes([[920, true], [921, true], [922, false]])).toEqual(['off', 'on', 'on']);
    expect(await count('gc_rows WHERE id BETWEEN 900 AND 922')).toBe(8);
  });
});

describe('named statements', () => {
  it('a text marked by prepared() is parsed once per connection; pgbouncer=true in the URL sends it unnamed', async () => {
    const text = prepared(`SELECT $1::int + 1 AS n /* group-commit.test */`);
    const one = createPool(db.url, { max: 1 });
    const unnamed = createPool(`${db.url}${db.url.includes('?') ? '&' : '?'}pgbouncer=true`, { max: 1 });
    try {
      for (const p of [one, unnamed]) for (let i = 0; i < 3; i++) expect((await p.query(text, [i])).rows[0].n).toBe(i + 1);
      const statements = async (p: pg.Pool) => (await p.query(`SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE '%group-commit.test%'`)).rows[0].n;
      expect(Number(await statements(one))).toBe(1);
      expect(Number(await statements(unnamed))).toBe(0);
    } finally {
      await one.end();
      await unnamed.end();
    }
  });

  it('a named statement whose columns a migration changed fails once; the next connection prepares it afresh', async () => {
    const one = createPool(db.url, { max: 1 });
    try {
      await pool.query(`CREATE TABLE gc_evolving (id int PRIMARY KEY)`);
      await pool.query(`INSERT INTO gc_evolving VALUES (1)`);
      const text = prepared(`SELECT * FROM gc_evolving WHERE id = $1`);
      expect((await one.query(text, [1])).rows).toEqual([{ id: 1 }]);
      await pool.query(`ALTER TABLE gc_evolving ADD COLUMN note text DEFAULT 'new'`);
      await expect(one.query(text, [1])).rejects.toMatchObject({ code: '0A000' });
      expect((await one.query(text, [1])).rows).toEqual([{ id: 1, note: 'new' }]);
    } finally {
      await one.end();
    }
  });

  it('genericPlans: the pool plans its named statements once for all values', async () => {
    const generic = createPool(db.url, { max: 1, genericPlans: true });
    try {
      const text = prepared(`SELECT count(*) AS n FROM gc_rows WHERE id = ANY($1::int[]) /* generic plan test */`);
      for (let i = 0; i < 8; i++) await generic.query(text, [[100 + i]]);
      const { rows } = await generic.query(`SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%generic plan test%'`);
      expect(rows).toEqual([{ generic_plans: '8', custom_plans: '0' }]);
    } finally {
      await generic.end();
    }
  });
});
