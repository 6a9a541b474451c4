// The delivery log ("where did my mail go?") at a million messages: searchDeliveries as the panel calls it.
//   npx tsx bench/deliveries/run.ts [--rows 1000000] [--runs 5]
// Uses DATABASE_URL's server (a throwaway database in it) or a throwaway embedded cluster.
// Seeds <rows> smtp_receipts and <rows> outbound_queue rows (the relayed copy of each receipt, same queue id)
// with one outbound_attempts row each and a second for 10 %, over 30 days, in SQL (generate_series, spread by
// hashint8): 5,000 senders over 500 domains (the domains table holds them), 50,000 recipients over 1,000
// recipient domains, 3,000 client IPs, a unique Message-ID per receipt, 100 shared blobs. The plain indexes of
// the three tables are dropped for the bulk insert and rebuilt from their own definitions (pg_indexes), then ANALYZE.
//
// Each case: one warm-up, then the median of <runs> wall times of searchDeliveries(db, actor, filters) with a
// Prisma client on a pg.Pool we own. The pool's query() is wrapped, so the statements the service really sends
// (text and bound values, after Prisma's own argument mapping) are captured on one more call and re-run by a plain
// pg client under EXPLAIN (ANALYZE, BUFFERS): the table shows each statement's server time, top plan node and the
// indexes it read; plans of statements over 50 ms are printed in full.
import { performance } from 'node:perf_hooks';
import { PrismaPg } from '@prisma/adapter-pg';
import { Command } from 'commander';
import pg from 'pg';
import type { Actor } from '@/lib/actor';
import { PrismaClient } from '@/lib/generated/prisma/client';
import { searchDeliveries } from '@/lib/queue/search-deliveries';
import type { SearchDeliveriesInput } from '@/lib/queue/validations';
import { benchDatabase } from '../database';

const opts = new Command('bench-deliveries')
  .option('--rows <n>', 'receipts (and queue rows) to seed', '1000000')
  .option('--runs <n>', 'timed runs per case (after one warm-up)', '5')
  .option('--batch <n>', 'rows per insert batch', '100000')
  .parse()
  .opts<{ rows: string; runs: string; batch: string }>();
const ROWS = Number(opts.rows);
const RUNS = Number(opts.runs);
const BATCH = Number(opts.batch);
const DAYS = 30;
const END = Date.parse('2026-12-01T00:00:00Z');
const START = END - DAYS * 86_400_000;
const SLOW_MS = 50;
const TABLES = ['smtp_receipts', 'outbound_queue', 'outbound_attempts'];

const median = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)] * 10) / 10;
};
const secs = (t: number) => ((performance.now() - t) / 1000).toFixed(1);

const { url, drop } = await benchDatabase('deliveries');
const pool = new pg.Pool({ connectionString: url, max: 10 });
pool.on('error', (err) => console.error(`bench: idle connection error: ${err.message}`));

// Every statement the Prisma client sends goes through pool.query: record them while `capture` is set.
let capture: { text: string; values: unknown[] }[] | null = null;
const poolQuery = pool.query.bind(pool) as (...a: unknown[]) => Promise<unknown>;
(pool as unknown as { query: (...a: unknown[]) => Promise<unknown> }).query = (...a: unknown[]) => {
  const q = a[0] as { text?: string; values?: unknown[] } | string;
  if (capture && typeof q === 'object' && q.text) capture.push({ text: q.text, values: q.values ?? [] });
  return poolQuery(...a);
};
const db = new PrismaClient({ adapter: new PrismaPg(pool) });
const explainer = new pg.Client({ connectionString: url });

try {
  const t0 = performance.now();
  const sql = (text: string, values?: unknown[]) => poolQuery(text, values) as Promise<pg.QueryResult>;

  // ------------------------------------------------------------------ seed
  await sql(`INSERT INTO domains (id, name) SELECT gen_random_uuid(), 'corp-' || j || '.test' FROM generate_series(0, 499) j`);
  await sql(`INSERT INTO mail_blobs (id, size, sha256, raw, mime)
             SELECT gen_random_uuid(), 2048, md5(b::text), '\\x'::bytea, '{}'::jsonb FROM generate_series(1, 100) b`);
  await sql(`CREATE UNLOGGED TABLE bench_blobs AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM mail_blobs`);

  const plain = (
    await sql(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`,
      [TABLES],
    )
  ).rows as { indexname: string; indexdef: string }[];
  for (const i of plain) await sql(`DROP INDEX ${JSON.stringify(i.indexname)}`);
  console.log(`dropped ${plain.length} plain indexes for the bulk insert (primary keys and unique constraints stay)`);

  // Per message g: time increases with g (rows arrive in time order, as in production), the rest spread by hash.
  //   sender s ∈ [0, 5000): user<s>@corp-<s % 500>.test; recipients m ∈ [0, 50000): rcpt<m>@example-<m % 1000>.test
  //   1 recipient (70 %), 2 (20 %), 3 (10 %); client IP c ∈ [0, 3000); submission (authenticated) 60 %, else MX.
  const stepMs = (DAYS * 86_400_000) / ROWS;
  const msg = `
    SELECT g,
           to_timestamp((${START} + g * ${stepMs} + abs(hashint8(g * 31)) % 1000) / 1000.0) AS at,
           abs(hashint8(g * 3)) % 5000 AS s,
           abs(hashint8(g * 5)) % 50000 AS m1, abs(hashint8(g * 7)) % 50000 AS m2, abs(hashint8(g * 11)) % 50000 AS m3,
           CASE WHEN abs(hashint8(g * 13)) % 10 < 7 THEN 1 WHEN abs(hashint8(g * 13)) % 10 < 9 THEN 2 ELSE 3 END AS nrcpt,
           abs(hashint8(g * 17)) % 3000 AS c,
           abs(hashint8(g * 19)) % 100 AS r,
           abs(hashint8(g * 23)) % 100 AS b,
           lpad(upper(to_hex(g)), 9, '0') || substr(upper(md5(g::text)), 1, 6) AS queue_id,
           gen_random_uuid() AS oid
      FROM generate_series($1::bigint, $2::bigint) g`;
  const addr = (m: string) => `'rcpt' || ${m} || '@example-' || (${m} % 1000) || '.test'`;
  for (let lo = 1; lo <= ROWS; lo += BATCH) {
    const hi = Math.min(ROWS, lo + BATCH - 1);
    await sql(`CREATE UNLOGGED TABLE bench_msgs AS ${msg}`, [lo, hi]);
    await sql(`ANALYZE bench_msgs`);
    await sql(`
      INSERT INTO smtp_receipts (queue_id, blob_id, received_at, listener, client_ip, client_name, helo, mail_from, rcpts, auth_user,
        protocol, size, tls_version, tls_cipher, tls_cipher_standard, tls_bits, tls_mode, message_id)
      SELECT m.queue_id, bl.id, m.at, CASE WHEN m.r < 60 THEN 'submission' ELSE 'mx' END,
             '198.18.' || (m.c / 256) || '.' || (m.c % 256), CASE WHEN m.c % 4 = 0 THEN NULL ELSE 'host' || m.c || '.net.test' END,
             'mail.corp-' || (m.s % 500) || '.test', 'user' || m.s || '@corp-' || (m.s % 500) || '.test',
             (ARRAY[${addr('m.m1')}, ${addr('m.m2')}, ${addr('m.m3')}])[1:m.nrcpt],
             CASE WHEN m.r < 60 THEN 'user' || m.s || '@corp-' || (m.s % 500) || '.test' END,
             CASE WHEN m.r < 60 THEN 'ESMTPSA' WHEN m.r < 95 THEN 'ESMTPS' ELSE 'ESMTP' END, 1000 + abs(hashint8(m.g * 29)) % 200000,
             CASE WHEN m.r < 95 THEN 'TLSv1.3' END, CASE WHEN m.r < 95 THEN 'TLS_AES_256_GCM_SHA384' END,
             CASE WHEN m.r < 95 THEN 'TLS_AES_256_GCM_SHA384' END, CASE WHEN m.r < 95 THEN 256 END,
             CASE WHEN m.r < 60 THEN 'implicit' WHEN m.r < 95 THEN 'starttls' END,
             m.g || '.' || substr(md5(m.queue_id), 1, 12) || '@corp-' || (m.s % 500) || '.test'
        FROM bench_msgs m JOIN bench_blobs bl ON bl.k = m.b`);
    // The relayed copy: one queue row per message for its first recipient; 10 % took two attempts.
    await sql(`
      INSERT INTO outbound_queue (id, queue_id, blob_id, mail_from, rcpt, domain, auth_user, status, attempts, next_attempt_at,
        last_code, last_enhanced, last_reply, finished_at, created_at, updated_at)
      SELECT m.oid, m.queue_id, bl.id, 'user' || m.s || '@corp-' || (m.s % 500) || '.test', ${addr('m.m1')},
             'example-' || (m.m1 % 1000) || '.test', CASE WHEN m.r < 60 THEN 'user' || m.s || '@corp-' || (m.s % 500) || '.test' END,
             (CASE WHEN m.r % 20 < 17 THEN 'SENT' WHEN m.r % 20 < 19 THEN 'DEFERRED' ELSE 'BOUNCED' END)::"OutboundStatus",
             CASE WHEN m.r % 10 = 3 THEN 2 ELSE 1 END, m.at + interval '1 hour',
             CASE WHEN m.r % 20 < 17 THEN 250 WHEN m.r % 20 < 19 THEN 451 ELSE 550 END,
             CASE WHEN m.r % 20 < 17 THEN '2.0.0' WHEN m.r % 20 < 19 THEN '4.7.1' ELSE '5.1.1' END,
             CASE WHEN m.r % 20 < 17 THEN 'OK queued' WHEN m.r % 20 < 19 THEN 'try again later' ELSE 'no such user' END,
             CASE WHEN m.r % 20 < 17 OR m.r % 20 = 19 THEN m.at + interval '3 seconds' END, m.at, m.at
        FROM bench_msgs m JOIN bench_blobs bl ON bl.k = m.b`);
    await sql(`
      INSERT INTO outbound_attempts (outbound_id, queue_id, rcpt, domain, started_at, duration_ms, instance_id, mx_host, ip, port,
        tls_version, tls_cipher, tls_verification, outcome, code, enhanced, reply)
      SELECT q.id, q.queue_id, q.rcpt, q.domain, q.created_at + make_interval(secs => 1 + (k.n * 900) + (hashtext(q.queue_id) & 1023) / 1000.0),
             200 + abs(hashtext(q.queue_id)) % 3000, 'bench', 'mx.' || q.domain, '192.0.2.' || abs(hashtext(q.domain)) % 250, 25,
             'TLSv1.3', 'TLS_AES_256_GCM_SHA384', CASE WHEN abs(hashtext(q.domain)) % 10 < 2 THEN 'dane' ELSE 'pkix' END,
             CASE WHEN k.n = 0 AND q.attempts = 2 THEN 'deferred' WHEN q.status = 'SENT' THEN 'sent'
                  WHEN q.status = 'BOUNCED' THEN 'failed' ELSE 'deferred' END,
             CASE WHEN k.n = 0 AND q.attempts = 2 THEN 451 ELSE q.last_code END,
             CASE WHEN k.n = 0 AND q.attempts = 2 THEN '4.7.1' ELSE q.last_enhanced END,
             CASE WHEN k.n = 0 AND q.attempts = 2 THEN 'greylisted, try again later' ELSE q.last_reply END
        FROM bench_msgs m JOIN outbound_queue q ON q.id = m.oid
        CROSS JOIN LATERAL generate_series(0, q.attempts - 1) k(n)`);
    await sql(`DROP TABLE bench_msgs`);
    process.stderr.write(`seed: ${hi.toLocaleString('en')}/${ROWS.toLocaleString('en')} messages (${secs(t0)} s)\n`);
  }
  await sql(`DROP TABLE bench_blobs`);
  const tIdx = performance.now();
  await sql(`SET maintenance_work_mem = '1GB'`);
  for (const i of plain) {
    const t = performance.now();
    await sql(i.indexdef);
    process.stderr.write(`index: ${i.indexname} (${secs(t)} s)\n`);
  }
  await sql(`RESET maintenance_work_mem`);
  console.log(`rebuilt ${plain.length} indexes in ${secs(tIdx)} s`);
  for (const t of TABLES) await sql(`VACUUM ANALYZE ${t}`);
  const counts = (
    await sql(`SELECT (SELECT count(*) FROM smtp_receipts)::int AS receipts, (SELECT count(*) FROM outbound_queue)::int AS queue,
                      (SELECT count(*) FROM outbound_attempts)::int AS attempts,
                      pg_size_pretty(pg_total_relation_size('smtp_receipts') + pg_total_relation_size('outbound_queue')
                                     + pg_total_relation_size('outbound_attempts')) AS size,
                      current_setting('shared_buffers') AS shared_buffers, version() AS version`)
  ).rows[0];
  const seedSeconds = secs(t0);
  console.log(
    `seeded ${counts.receipts.toLocaleString('en')} receipts, ${counts.queue.toLocaleString('en')} queue rows, ` +
      `${counts.attempts.toLocaleString('en')} attempts (${counts.size} with indexes) in ${seedSeconds} s; ` +
      `shared_buffers ${counts.shared_buffers}; ${String(counts.version).split(' on ')[0]}`,
  );

  // ------------------------------------------------------------------ cases
  const mid = Math.floor(ROWS / 2);
  const one = (
    await sql(
      `SELECT r.queue_id, r.message_id, r.client_ip, r.mail_from, r.rcpts[1] AS rcpt
         FROM smtp_receipts r ORDER BY r.received_at OFFSET $1 LIMIT 1`,
      [mid],
    )
  ).rows[0] as { queue_id: string; message_id: string; client_ip: string; mail_from: string; rcpt: string };
  const domainId = (await sql(`SELECT id FROM domains WHERE name = 'corp-42.test'`)).rows[0].id as string;
  const day = new Date(END - 10 * 86_400_000);

  const system: Actor = { kind: 'system' };
  const domainAdmin: Actor = { kind: 'admin', id: '00000000-0000-4000-8000-000000000001', email: 'admin@corp-42.test', role: 'DOMAIN', domainIds: [domainId] };
  const firstPage = await searchDeliveries(db, system, {});
  const cases: [string, Actor, SearchDeliveriesInput][] = [
    ['no filter, first page', system, {}],
    ['no filter, next page (cursor)', system, { cursor: firstPage.next ?? undefined }],
    [`sender, whole address`, system, { sender: one.mail_from }],
    [`sender fragment "corp-42" (≈3 %)`, system, { sender: 'corp-42' }],
    [`recipient, whole address`, system, { recipient: one.rcpt }],
    [`recipient fragment "@example-123.test"`, system, { recipient: '@example-123.test' }],
    [`queue id`, system, { queueId: one.queue_id }],
    [`Message-ID`, system, { messageId: `<${one.message_id}>` }],
    [`client IP`, system, { clientIp: one.client_ip }],
    [`one-day range (day -10)`, system, { from: day, to: new Date(day.getTime() + 86_400_000) }],
    [`DOMAIN admin (corp-42.test), no filter`, domainAdmin, {}],
  ];
  console.log(`targets: sender ${one.mail_from}, recipient ${one.rcpt}, queue id ${one.queue_id}, Message-ID <${one.message_id}>, client IP ${one.client_ip}`);

  await explainer.connect();
  interface Statement { table: string; serverMs: number; top: string; indexes: string[]; buffers: string; plan: string }
  const rows: { name: string; wallMs: number; events: number; statements: Statement[] }[] = [];
  for (const [name, actor, input] of cases) {
    const page = await searchDeliveries(db, actor, input); // warm-up
    const wall: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await searchDeliveries(db, actor, input);
      wall.push(performance.now() - t);
    }
    capture = [];
    await searchDeliveries(db, actor, input);
    const sent = capture;
    capture = null;
    const statements: Statement[] = [];
    for (const s of sent) {
      if (!/\bFROM\s+(smtp_receipts|outbound_attempts)\b/i.test(s.text)) continue; // the domain-name lookup is a pk read
      const json = (await explainer.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${s.text}`, s.values)).rows[0]['QUERY PLAN'][0];
      const text = (await explainer.query(`EXPLAIN (ANALYZE, BUFFERS) ${s.text}`, s.values)).rows.map((r) => r['QUERY PLAN']).join('\n');
      const indexes = new Set<string>();
      const nodes: string[] = [];
      const walk = (n: Record<string, unknown>) => {
        nodes.push(n['Node Type'] as string);
        if (n['Index Name']) indexes.add(n['Index Name'] as string);
        for (const c of (n.Plans as Record<string, unknown>[] | undefined) ?? []) walk(c);
      };
      walk(json.Plan);
      // The node under Limit (and a Sort, if any) is what decides the cost.
      const below = nodes.filter((n) => n !== 'Limit');
      const top = below.slice(0, below[0] === 'Sort' || below[0] === 'Incremental Sort' ? 2 : 1).join(' ← ');
      const seq = nodes.includes('Seq Scan') ? ' +Seq Scan' : '';
      statements.push({
        table: /\bFROM\s+outbound_attempts\b/i.test(s.text) ? 'attempts' : 'receipts',
        serverMs: Math.round((json['Execution Time'] + json['Planning Time']) * 10) / 10,
        top: top + seq,
        indexes: [...indexes],
        buffers: `hit ${json.Plan['Shared Hit Blocks']}, read ${json.Plan['Shared Read Blocks']}`,
        plan: text,
      });
    }
    rows.push({ name, wallMs: median(wall), events: page.events.length, statements });
    process.stderr.write(`case: ${name}: ${median(wall)} ms\n`);
  }

  // ------------------------------------------------------------------ report
  console.log(
    `\nsearchDeliveries at ${ROWS.toLocaleString('en')} receipts + ${counts.attempts.toLocaleString('en')} attempts; ` +
      `wall = median of ${RUNS} after a warm-up; server = EXPLAIN ANALYZE of the captured statement (planning + execution)`,
  );
  console.log(`${'case'.padEnd(40)} ${'wall ms'.padStart(8)} ${'events'.padStart(6)}  side      ${'server ms'.padStart(9)}  plan (below Limit)  indexes`);
  for (const r of rows) {
    r.statements.forEach((s, i) => {
      const head = i === 0 ? `${r.name.padEnd(40)} ${String(r.wallMs).padStart(8)} ${String(r.events).padStart(6)}` : ' '.repeat(56);
      console.log(`${head}  ${s.table.padEnd(8)}  ${String(s.serverMs).padStart(9)}  ${s.top}  ${s.indexes.join(', ') || '(none)'}  [${s.buffers}]`);
    });
  }
  const slow = rows.filter((r) => r.wallMs > SLOW_MS || r.statements.some((s) => s.serverMs > SLOW_MS));
  console.log(`\nover ${SLOW_MS} ms: ${slow.length ? slow.map((r) => r.name).join('; ') : 'none'}`);
  for (const r of slow) {
    for (const s of r.statements.filter((x) => x.serverMs > SLOW_MS)) console.log(`\n--- ${r.name}: ${s.table} (${s.serverMs} ms)\n${s.plan}`);
  }
} finally {
  await explainer.end().catch(() => {});
  await db.$disconnect();
  await pool.end().catch(() => {});
  await drop();
}
