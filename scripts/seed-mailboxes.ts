// Seeds mailboxes for the list benchmark and demos:
//   npx tsx scripts/seed-mailboxes.ts [--count 100000] [--domains 10] [--prefix seed] [--password P]
// Uses DATABASE_URL, or the embedded cluster in $POSTERN_DATA_DIR (started for the
// duration when npm start is not running). Safe to re-run: existing addresses are skipped.
import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { ConfigError, readEnv } from '@/lib/config/env';
import { migrate } from '@/lib/db/migrate';
import { createPrisma } from '@/lib/db/prisma';
import { resolveDatabase } from '@/lib/db/resolve';
import { seedMailboxes } from './seed/mailboxes';

const program = new Command('seed-mailboxes')
  .option('--count <n>', 'mailboxes to create', '100000')
  .option('--domains <n>', 'domains to spread them over', '10')
  .option('--prefix <name>', 'domain names are <prefix>N.example', 'seed')
  .option('--password <p>', 'the password every seeded mailbox gets (default: random, printed)')
  .parse();
const opts = program.opts<{ count: string; domains: string; prefix: string; password?: string }>();

try {
  const count = Number(opts.count);
  const domains = Number(opts.domains);
  if (!Number.isInteger(count) || count < 1 || count > 10_000_000) throw new ConfigError('--count: a whole number from 1 to 10,000,000');
  if (!Number.isInteger(domains) || domains < 1 || domains > 10_000) throw new ConfigError('--domains: a whole number from 1 to 10,000');
  const cluster = await resolveDatabase(readEnv());
  await migrate(cluster.url);
  const db = createPrisma(cluster.url);
  const password = opts.password ?? `Seed-${randomBytes(9).toString('base64url')}1`;
  const started = Date.now();
  let last = 0;
  const inserted = await seedMailboxes(db, cluster.url, {
    count,
    domains,
    prefix: opts.prefix,
    password,
    onProgress(done, total) {
      const now = Date.now();
      if (done === total || now - last > 500) {
        last = now;
        const rate = Math.round(done / ((now - started) / 1000));
        process.stderr.write(`\rseeded ${done.toLocaleString('en')}/${total.toLocaleString('en')} (${rate.toLocaleString('en')}/s)   `);
      }
    },
  });
  process.stderr.write('\n');
  console.log(
    `${inserted.toLocaleString('en')} new mailboxes over ${domains} domain(s) (${opts.prefix}1.example…) in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `password of every seeded mailbox: ${password}`,
  );
  await db.$disconnect();
  await cluster.stop();
} catch (err) {
  console.error(`seed-mailboxes: ${err instanceof ConfigError ? err.message : (err as Error).message}`);
  process.exit(1);
}
