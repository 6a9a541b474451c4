// The mailbox list at 100,000 mailboxes: the service query and the rendered page.
//   npx tsx bench/panel/run.ts [--count 100000] [--runs 9]
// Uses DATABASE_URL's server (a throwaway database in it) or a throwaway embedded
// cluster; builds/reuses the production panel (test/e2e/build.ts) and serves it with
// `next start` on a free port. Prints a table; writes bench/results/panel.json.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import type { Actor } from '@/lib/actor';
import { hashPassword } from '@/lib/auth/password';
import { createPrisma } from '@/lib/db/prisma';
import { listMailboxes, type ListMailboxesInput } from '@/lib/mailboxes/list-mailboxes';
import { benchDatabase } from '../database';
import { seedMailboxes } from '@/scripts/seed/mailboxes';
import { signInHttp } from '@/test/e2e/http';
import { startNext } from '@/test/e2e/panel';

const opts = new Command('bench-panel')
  .option('--count <n>', 'mailboxes to seed', '100000')
  .option('--runs <n>', 'timed runs per case (after one warm-up)', '9')
  .parse()
  .opts<{ count: string; runs: string }>();
const COUNT = Number(opts.count);
const RUNS = Number(opts.runs);

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: Math.round(q(0.5) * 10) / 10, p95: Math.round(q(0.95) * 10) / 10, max: Math.round(s[s.length - 1] * 10) / 10 };
}

async function time(fn: () => Promise<unknown>): Promise<ReturnType<typeof stats>> {
  await fn(); // warm-up (plans, JIT, caches)
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return stats(ms);
}

const { url, drop } = await benchDatabase('panel');
const results: Record<string, unknown> = { count: COUNT, runs: RUNS, at: new Date().toISOString(), cpus: os.cpus().length };
let panel: Awaited<ReturnType<typeof startNext>> | undefined;
const db = createPrisma(url);
try {
  let t = performance.now();
  await seedMailboxes(db, url, {
    count: COUNT,
    domains: 10,
    prefix: 'seed',
    password: 'Bench-Password-1',
    onProgress: (d, n) => process.stderr.write(`\rseeding ${d}/${n}`),
  });
  process.stderr.write('\n');
  results.seedSeconds = Math.round((performance.now() - t) / 100) / 10;

  const actor: Actor = { kind: 'system' };
  const cases: [string, ListMailboxesInput][] = [
    ['page 1, by address', {}],
    ['page 1, newest first', { sort: 'createdAt', order: 'desc' }],
    ['page 1, by quota use desc', { sort: 'usedBytes', order: 'desc' }],
    ['search "smith" (≈3,300 hits)', { search: 'smith' }],
    ['search one address', { search: 'alice.smith0@seed1.example' }],
    ['search, no hit', { search: 'zzzqqq' }],
    ['one domain, page 1', { domain: 'seed3.example' }],
    ['page 1000 (offset 49,950)', { page: 1000 }],
  ];
  const service: Record<string, unknown> = {};
  for (const [name, input] of cases) service[name] = await time(() => listMailboxes(db, actor, { pageSize: 50, ...input }));
  results.service = service;

  const email = 'bench@example.test';
  const password = `Bench-${randomBytes(8).toString('hex')}-1`;
  await db.admin.create({ data: { email, passwordHash: await hashPassword(password), role: 'GLOBAL' } });
  t = performance.now();
  panel = await startNext(url, (l) => process.stderr.write(`${l}\n`));
  results.panelStartSeconds = Math.round((performance.now() - t) / 100) / 10;

  const sessionCookie = await signInHttp(panel.url, email, password);
  const cookie = () => sessionCookie;

  const get = (p: string) => async () => {
    const res = await fetch(panel!.url + p, { headers: { cookie: cookie() }, redirect: 'manual' });
    if (res.status !== 200) throw new Error(`${p}: ${res.status}`);
    await res.arrayBuffer();
  };
  const pages: [string, string][] = [
    ['/mailboxes (page 1)', '/mailboxes'],
    ['/mailboxes?q=smith', '/mailboxes?q=smith'],
    ['/mailboxes?q=<one address>', '/mailboxes?q=alice.smith0%40seed1.example'],
    ['/mailboxes?sort=usedBytes&order=desc', '/mailboxes?sort=usedBytes&order=desc'],
    ['/mailboxes?page=1000', '/mailboxes?page=1000'],
    ['/api/mailboxes?q=smith (JSON)', '/api/mailboxes?q=smith'],
    ['/ (dashboard)', '/'],
  ];
  const http: Record<string, unknown> = {};
  for (const [name, p] of pages) http[name] = await time(get(p));
  results.http = http;

  const table = (title: string, rows: Record<string, unknown>) => {
    console.log(`\n${title}`);
    console.log(`${'case'.padEnd(44)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)}  (ms)`);
    for (const [name, s] of Object.entries(rows) as [string, ReturnType<typeof stats>][]) {
      console.log(`${name.padEnd(44)} ${String(s.median).padStart(8)} ${String(s.p95).padStart(8)} ${String(s.max).padStart(8)}`);
    }
  };
  console.log(`\nmailbox list at ${COUNT.toLocaleString('en')} mailboxes, ${RUNS} runs per case after a warm-up (seeded in ${results.seedSeconds} s)`);
  table('service: listMailboxes (query + count)', service);
  table('HTTP: next start, signed in, full response', http);
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync('bench/results/panel.json', JSON.stringify(results, null, 2) + '\n');
} finally {
  await panel?.stop();
  await db.$disconnect();
  await drop();
}
