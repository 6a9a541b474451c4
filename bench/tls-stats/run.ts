// TLS statistics at a million delivered messages: the overview's server time, and the Received
// parser's rate.
//   npx tsx bench/tls-stats/run.ts [--count 1000000] [--runs 9]
// Uses DATABASE_URL's server (a throwaway database in it) or a throwaway embedded cluster.
// Seeds <count> messages over 90 days (blobs, hop chains, and the aggregates they make: 5,000 sending
// domains with 1-3 hosts each, 200 mailboxes, spread by hash, so the wide table barely compresses), then times
// overview() for 7/30/90 days (wall time, and the server's own Execution Time of each query from
// EXPLAIN ANALYZE), and parses the cited fixture corpus for headers/second. Writes
// bench/results/tls-stats.json.
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import pg from 'pg';
import { benchDatabase } from '../database';
import { parseReceived } from '@/lib/received';
import { RECEIVED_FIXTURES } from '@/lib/received/received.fixtures';
import { overview, type Sql, type StatsFilter } from '@/lib/tls-stats';

const opts = new Command('bench-tls-stats')
  .option('--count <n>', 'messages to seed', '1000000')
  .option('--runs <n>', 'timed runs per case (after one warm-up)', '9')
  .parse()
  .opts<{ count: string; runs: string }>();
const COUNT = Number(opts.count);
const RUNS = Number(opts.runs);
const DAYS = 90;
const END = '2026-11-24';

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: Math.round(q(0.5) * 10) / 10, p95: Math.round(q(0.95) * 10) / 10, max: Math.round(s[s.length - 1] * 10) / 10 };
}

// ---------------------------------------------------------------- parser rate (no database)
const corpus = RECEIVED_FIXTURES.map((f) => f.header.replace(/^Received:\s*/i, ''));
const parseBytes = corpus.reduce((t, h) => t + h.length, 0);
for (let i = 0; i < 2000; i++) parseReceived(corpus[i % corpus.length]); // warm-up
let parsed = 0;
const p0 = performance.now();
while (performance.now() - p0 < 3000) {
  for (const h of corpus) parseReceived(h);
  parsed += corpus.length;
}
const parseSeconds = (performance.now() - p0) / 1000;
const headersPerSecond = Math.round(parsed / parseSeconds);
console.log(`parser: ${headersPerSecond.toLocaleString('en')} headers/s (${corpus.length} real-format headers, avg ${Math.round(parseBytes / corpus.length)} bytes)`);

// ---------------------------------------------------------------- database
const { url, drop } = await benchDatabase('tls-stats');
const results: Record<string, unknown> = {
  count: COUNT,
  runs: RUNS,
  at: new Date().toISOString(),
  cpus: os.cpus().length,
  parser: { headersPerSecond, corpus: corpus.length },
};

const pool = new pg.Pool({ connectionString: url, max: 4 });
pool.on('error', (err) => console.error(`bench: idle connection error: ${err.message}`));
try {
  const t0 = performance.now();
  // 5 domains × 40 mailboxes
  await pool.query(`INSERT INTO domains (id, name) SELECT gen_random_uuid(), 'd' || i || '.bench' FROM generate_series(1, 5) i`);
  await pool.query(
    `INSERT INTO mailboxes (id, domain_id, local_part, address, password_hash, quota_bytes)
     SELECT gen_random_uuid(), d.id, 'u' || i, 'u' || i || '@' || d.name, 'x', 1073741824
       FROM domains d, generate_series(1, 40) i`,
  );
  await pool.query(`CREATE UNLOGGED TABLE bench_mailboxes AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, domain_id FROM mailboxes`);
  // The messages: day, mailbox, sender, IP, our hop's TLS, and the weakest claimed hop, spread deterministically.
  await pool.query(`
    CREATE UNLOGGED TABLE bench_msgs AS
    SELECT g, gen_random_uuid() AS blob_id,
           ('${END}'::date - (abs(hashint8(g * 3)) % ${DAYS})::int)::date AS day,
           abs(hashint8(g * 5)) % 100 AS r,
           abs(hashint8(g * 7)) % 100 AS r2,
           abs(hashint8(g * 11)) % 200 AS mb,
           CASE WHEN abs(hashint8(g * 13)) % 10 = 0 THEN 'submission' ELSE 'inbound' END AS direction,
           's' || (abs(hashint8(g * 17)) % 5000) || '.example' AS sender_domain,
           abs(hashint8(g * 17)) % 5000 AS sd, abs(hashint8(g * 19)) % 3 AS ipk
      FROM generate_series(1::bigint, ${COUNT}::bigint) g`);
  await pool.query(`
    ALTER TABLE bench_msgs ADD COLUMN tls_version text, ADD COLUMN cipher text, ADD COLUMN path_weakest text, ADD COLUMN client_ip text;
    UPDATE bench_msgs SET
      client_ip = '198.' || (51 + (sd * 3 + ipk) / 65536) || '.' || ((sd * 3 + ipk) / 256 % 256) || '.' || ((sd * 3 + ipk) % 256),
      tls_version = CASE WHEN r < 55 THEN 'TLSv1.3' WHEN r < 88 THEN 'TLSv1.2' WHEN r < 91 THEN 'TLSv1.0' WHEN r < 92 THEN 'TLSv1.1' ELSE 'none' END,
      cipher = CASE WHEN r < 55 THEN (CASE WHEN r % 2 = 0 THEN 'TLS_AES_256_GCM_SHA384' ELSE 'TLS_AES_128_GCM_SHA256' END)
                    WHEN r < 88 THEN 'ECDHE-RSA-AES256-GCM-SHA384' WHEN r < 92 THEN 'ECDHE-RSA-AES256-SHA' ELSE '' END;
    UPDATE bench_msgs SET path_weakest = CASE WHEN tls_version = 'none' OR r2 < 15 THEN 'none' WHEN r2 < 45 THEN 'unknown' ELSE tls_version END;`);
  console.log(`seeded message facts: ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const hops = JSON.stringify([
    { from: { helo: 'laptop', name: null, ip: '10.0.0.2' }, by: 'relay.sender.example', via: null, protocol: 'ESMTPSA', id: 'A1', for: null, date: '2026-11-20T09:59:00.000Z', tls: { used: true, version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: 256 }, authenticated: true, clientCert: null },
    { from: { helo: null, name: null, ip: null }, by: 'laptop', via: null, protocol: null, id: 'B2', for: null, date: '2026-11-20T09:58:59.000Z', tls: { used: null, version: null, cipher: null, bits: null }, authenticated: false, clientCert: null },
  ]);
  const BATCH = 100_000;
  for (let lo = 1; lo <= COUNT; lo += BATCH) {
    const hi = Math.min(COUNT, lo + BATCH - 1);
    await pool.query(
      `INSERT INTO mail_blobs (id, size, sha256, raw, mime)
       SELECT blob_id, 100, md5(blob_id::text), '\\x'::bytea, '{}'::jsonb FROM bench_msgs WHERE g BETWEEN $1 AND $2`,
      [lo, hi],
    );
    await pool.query(
      `INSERT INTO tls_hop_chains (blob_id, queue_id, received_at, direction, sender_domain, client_ip, our_tls_version, our_cipher,
         our_bits, our_tls_mode, path_tls, path_weakest, hop_count, cleartext_hops, hops)
       SELECT blob_id, 'Q' || g, day + make_interval(secs => g % 86400), direction, sender_domain, client_ip, tls_version, nullif(cipher, ''),
              CASE WHEN tls_version = 'none' THEN NULL ELSE 256 END, CASE WHEN tls_version = 'none' THEN NULL ELSE 'starttls' END,
              path_weakest <> 'none', path_weakest, 3, (tls_version = 'none')::int + (path_weakest = 'none' AND tls_version <> 'none')::int, $3::jsonb
         FROM bench_msgs WHERE g BETWEEN $1 AND $2`,
      [lo, hi, hops],
    );
    process.stderr.write(`seed: ${hi}/${COUNT} hop chains\n`);
  }
  await pool.query(`
    INSERT INTO tls_daily_stats (day, domain_id, mailbox_id, direction, sender_domain, client_ip, tls_version, cipher, path_weakest,
      messages, deliveries, our_tls_messages, our_tls_deliveries, path_tls_messages, path_tls_deliveries)
    SELECT m.day, b.domain_id, b.id, m.direction, m.sender_domain, m.client_ip, m.tls_version, m.cipher, m.path_weakest,
           count(*), count(*), count(*) FILTER (WHERE m.tls_version <> 'none'), count(*) FILTER (WHERE m.tls_version <> 'none'),
           count(*) FILTER (WHERE m.path_weakest <> 'none'), count(*) FILTER (WHERE m.path_weakest <> 'none')
      FROM bench_msgs m JOIN bench_mailboxes b ON b.k = m.mb
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9`);
  await pool.query(`
    INSERT INTO tls_daily_totals (day, domain_id, direction, tls_version, cipher, path_weakest,
      messages, deliveries, our_tls_messages, our_tls_deliveries, path_tls_messages, path_tls_deliveries)
    SELECT m.day, b.domain_id, m.direction, m.tls_version, m.cipher, m.path_weakest,
           count(*), count(*), count(*) FILTER (WHERE m.tls_version <> 'none'), count(*) FILTER (WHERE m.tls_version <> 'none'),
           count(*) FILTER (WHERE m.path_weakest <> 'none'), count(*) FILTER (WHERE m.path_weakest <> 'none')
      FROM bench_msgs m JOIN bench_mailboxes b ON b.k = m.mb
     GROUP BY 1, 2, 3, 4, 5, 6`);
  await pool.query(`
    INSERT INTO tls_weak_senders (day, domain_id, direction, sender_domain, client_ip, tls_version, messages, deliveries)
    SELECT m.day, b.domain_id, m.direction, m.sender_domain, m.client_ip, m.tls_version, count(*), count(*)
      FROM bench_msgs m JOIN bench_mailboxes b ON b.k = m.mb
     WHERE m.tls_version IN ('none', 'unknown', 'SSLv3', 'TLSv1.0', 'TLSv1.1')
     GROUP BY 1, 2, 3, 4, 5, 6`);
  await pool.query(`DROP TABLE bench_msgs, bench_mailboxes`);
  await pool.query(`VACUUM ANALYZE tls_daily_stats`);
  await pool.query(`VACUUM ANALYZE tls_daily_totals`);
  await pool.query(`VACUUM ANALYZE tls_weak_senders`);
  await pool.query(`ANALYZE tls_hop_chains`);
  const aggRows = Number((await pool.query(`SELECT count(*)::int AS n FROM tls_daily_stats`)).rows[0].n);
  const chains = Number((await pool.query(`SELECT count(*)::int AS n FROM tls_hop_chains`)).rows[0].n);
  const seedSeconds = (performance.now() - t0) / 1000;
  console.log(`seeded ${chains.toLocaleString('en')} hop chains and ${aggRows.toLocaleString('en')} aggregate rows in ${seedSeconds.toFixed(1)} s`);
  results.seed = { seconds: Math.round(seedSeconds), hopChains: chains, aggregateRows: aggRows };

  // ---------------------------------------------------------------- the overview
  const cases: Record<string, StatsFilter> = {};
  for (const days of [7, 30, 90]) {
    const from = new Date(Date.parse(`${END}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    cases[`overview ${days} days`] = { from, to: END, scopeDomainIds: null };
  }
  const someDomain = (await pool.query(`SELECT id FROM domains ORDER BY name LIMIT 1`)).rows[0].id as string;
  cases['overview 30 days, one domain'] = { ...cases['overview 30 days'], domainId: someDomain };

  const table: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(cases)) {
    await overview(pool, f);
    const wall: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await overview(pool, f);
      wall.push(performance.now() - t);
    }
    // server time: every statement overview() runs, captured and re-run under EXPLAIN ANALYZE
    const captured: { text: string; params: unknown[] }[] = [];
    await overview({ query: async (text: string, params: unknown[] = []) => (captured.push({ text, params }), pool.query(text, params)) } as Sql, f);
    const server: number[] = [];
    const slowest: number[] = [];
    for (let i = 0; i < Math.min(RUNS, 5); i++) {
      let sum = 0;
      let max = 0;
      for (const c of captured) {
        const plan = (await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${c.text}`, c.params)).rows[0]['QUERY PLAN'][0];
        const ms = plan['Execution Time'] + plan['Planning Time'];
        sum += ms;
        max = Math.max(max, ms);
      }
      server.push(sum);
      slowest.push(max);
    }
    table[name] = { wallMs: stats(wall), serverMsAllStatements: stats(server), serverMsSlowestStatement: stats(slowest), statements: captured.length };
    console.log(`${name.padEnd(30)} wall median ${stats(wall).median} ms (p95 ${stats(wall).p95})  server: ${captured.length} statements ${stats(server).median} ms in all, slowest ${stats(slowest).median} ms (medians)`);
  }
  results.overview = table;
} finally {
  await pool.end();
  await drop();
}
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync('bench/results/tls-stats.json', `${JSON.stringify(results, null, 2)}\n`);
console.log('wrote bench/results/tls-stats.json');
