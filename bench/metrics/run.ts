// One /metrics scrape (clusterMetrics, what app/metrics/route.ts answers with) at a million messages.
//   npx tsx bench/metrics/run.ts [--rows 1000000] [--runs 5]
// Uses DATABASE_URL's server (a throwaway database in it) or a throwaway embedded cluster.
// Seeds <rows> smtp_receipts, <rows> outbound_queue rows (5 % still waiting) with one outbound_attempts row
// each, in SQL batches, then VACUUM ANALYZE; prints the median wall time of a scrape over <runs> after a
// warm-up, and the server time of the heaviest statements under EXPLAIN ANALYZE.
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import pg from 'pg';
import { createPrisma } from '@/lib/db/prisma';
import { clusterMetrics } from '@/lib/metrics/collect';
import { benchDatabase } from '../database';

const opts = new Command('bench-metrics')
  .option('--rows <n>', 'messages to seed', '1000000')
  .option('--runs <n>', 'timed scrapes (after one warm-up)', '5')
  .option('--batch <n>', 'rows per insert batch', '100000')
  .parse()
  .opts<{ rows: string; runs: string; batch: string }>();
const ROWS = Number(opts.rows);
const RUNS = Number(opts.runs);
const BATCH = Number(opts.batch);

const { url, drop } = await benchDatabase('metrics');
const pool = new pg.Pool({ connectionString: url, max: 4 });
const db = createPrisma(url, 4);
try {
  const t0 = performance.now();
  const sql = (text: string, values?: unknown[]) => pool.query(text, values);
  const [{ id: blob }] = (await sql(`INSERT INTO mail_blobs (id, size, sha256, raw, mime) VALUES (gen_random_uuid(), 2048, md5('b'), '\\x'::bytea, '{}'::jsonb) RETURNING id`)).rows;
  for (let lo = 1; lo <= ROWS; lo += BATCH) {
    const hi = Math.min(ROWS, lo + BATCH - 1);
    await sql(
      `INSERT INTO smtp_receipts (queue_id, blob_id, listener, client_ip, helo, mail_from, rcpts, protocol, size, tls_version)
       SELECT 'Q' || g, $3, CASE WHEN g % 10 < 6 THEN 'submission' ELSE 'mx' END, '198.18.0.' || (g % 250), 'h.test', 'u' || (g % 5000) || '@corp.test',
              ARRAY['r' || (g % 50000) || '@example.test'], 'ESMTPS', 2048, 'TLSv1.3'
         FROM generate_series($1::bigint, $2::bigint) g`,
      [lo, hi, blob],
    );
    await sql(
      `WITH q AS (
         INSERT INTO outbound_queue (queue_id, blob_id, mail_from, rcpt, domain, status, attempts, finished_at)
         SELECT 'Q' || g, $3, 'u' || (g % 5000) || '@corp.test', 'r' || (g % 50000) || '@example-' || (g % 1000) || '.test', 'example-' || (g % 1000) || '.test',
                (CASE WHEN g % 20 = 0 THEN 'DEFERRED' ELSE 'SENT' END)::"OutboundStatus", 1, CASE WHEN g % 20 = 0 THEN NULL ELSE now() END
           FROM generate_series($1::bigint, $2::bigint) g
         RETURNING id, queue_id, rcpt, domain, status)
       INSERT INTO outbound_attempts (outbound_id, queue_id, rcpt, domain, duration_ms, instance_id, tls_version, tls_verification, outcome, code, enhanced, reply)
       SELECT id, queue_id, rcpt, domain, 300, 'bench', 'TLSv1.3', 'pkix', CASE WHEN status = 'SENT' THEN 'sent' ELSE 'deferred' END, 250, '2.0.0', 'OK' FROM q`,
      [lo, hi, blob],
    );
    process.stderr.write(`seed: ${hi.toLocaleString('en')}/${ROWS.toLocaleString('en')} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
  for (const t of ['smtp_receipts', 'outbound_queue', 'outbound_attempts']) await sql(`VACUUM ANALYZE ${t}`);

  await clusterMetrics(db, { goneAfterMs: 15_000 });
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await clusterMetrics(db, { goneAfterMs: 15_000 });
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  console.log(`scrape at ${ROWS.toLocaleString('en')} receipts, queue rows and attempts: median ${ms[Math.floor(ms.length / 2)].toFixed(1)} ms, max ${ms[ms.length - 1].toFixed(1)} ms (${RUNS} runs)`);
  for (const [name, text] of [
    ['accepted by listener', 'SELECT listener, count(*) FROM smtp_receipts GROUP BY listener'],
    ['deliveries by outcome and TLS', `SELECT outcome, coalesce(tls_version, 'none'), count(*) FROM outbound_attempts GROUP BY 1, 2`],
    ['queue waiting', `SELECT status, count(*), min(created_at) FROM outbound_queue WHERE status IN ('QUEUED', 'DEFERRED') GROUP BY status`],
  ]) {
    const plan = (await sql(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`)).rows[0]['QUERY PLAN'][0];
    console.log(`  ${name}: ${plan['Execution Time'].toFixed(1)} ms server time (${plan.Plan['Node Type']})`);
  }
} finally {
  await db.$disconnect();
  await pool.end();
  await drop();
}
