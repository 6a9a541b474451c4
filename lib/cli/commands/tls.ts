import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { ServiceError } from '@/lib/errors';
import { analyzeHeaders } from '@/lib/received';
import { defaultRange, outboundOverview, overview, prismaRunner, prismaSql, rescan } from '@/lib/tls-stats';
import type { CliContext } from '../context';
import { table } from '../output';

/** `postern tls …`: the Received-header analyzer (lib/received) and the TLS statistics (lib/tls-stats). */
export function registerTls(program: Command, ctx: CliContext): void {
  const tls = program.command('tls').description('TLS of every hop: Received header analyzer and statistics');

  tls
    .command('analyze [file]')
    .description('print the hop chain of a message (or pasted headers) as JSON: postern tls analyze < message.eml')
    .action(async (file?: string) => {
      const text = file && file !== '-' ? await fs.readFile(file, 'latin1') : await ctx.readStdin();
      ctx.json(analyzeHeaders(text));
    });

  tls
    .command('rescan')
    .description('rebuild hop chains and statistics from stored mail (progress on stderr)')
    .option('--batch-size <n>', 'messages per transaction', '500')
    .action(async (opts: { batchSize: string }) => {
      const batchSize = Number(opts.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
        throw new ServiceError('invalid', 'must be an integer from 1 to 10000', 'batch-size');
      }
      const started = Date.now();
      const r = await rescan(prismaRunner(await ctx.db()), {
        batchSize,
        onProgress: ({ done, total }) => {
          const pct = total ? Math.floor((done / total) * 100) : 100;
          process.stderr.write(`rescan: ${done}/${total} messages (${pct}%)\n`);
        },
      });
      ctx.out(`rescanned ${r.done} messages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });

  tls
    .command('stats')
    .description('TLS overview: share of messages whose last hop / whole path was TLS, versions, weakest senders')
    .option('--days <n>', 'last N days', '30')
    .option('--json', 'machine-readable output')
    .action(async (opts: { days: string; json?: boolean }) => {
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 3650) throw new ServiceError('invalid', 'must be 1 to 3650', 'days');
      const o = await overview(prismaSql(await ctx.db()), { ...defaultRange(days), scopeDomainIds: null });
      if (opts.json) return ctx.json(o);
      const pct = (a: number) => (o.totals.messages ? `${((a / o.totals.messages) * 100).toFixed(1)}%` : '—');
      ctx.out(`messages: ${o.totals.messages}  last hop TLS: ${pct(o.totals.ourTls)}  whole path TLS: ${pct(o.totals.pathTls)}`);
      ctx.out(table(['OUR HOP', 'MESSAGES'], o.versions.map((v) => [v.version, v.messages])));
      if (o.weakDomains.length) {
        ctx.out('');
        ctx.out(table(['SENDING DOMAIN', 'CLEARTEXT', '< TLS 1.2'], o.weakDomains.map((d) => [d.senderDomain || '(null sender)', d.cleartext, d.belowTls12])));
      }
    });

  tls
    .command('outbound')
    .description('our deliveries to other servers: share over TLS and verified, per destination, cleartext-only destinations')
    .option('--days <n>', 'last N days', '30')
    .option('--json', 'machine-readable output')
    .action(async (opts: { days: string; json?: boolean }) => {
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 3650) throw new ServiceError('invalid', 'must be 1 to 3650', 'days');
      const o = await outboundOverview(prismaSql(await ctx.db()), { ...defaultRange(days), limit: 50 });
      if (opts.json) return ctx.json(o);
      const pct = (a: number, b: number) => (b ? `${((a / b) * 100).toFixed(1)}%` : '—');
      const t = o.totals;
      ctx.out(`attempts: ${t.attempts}  messages sent: ${t.messages}  recipients delivered: ${t.sent}  over TLS: ${pct(t.sentTls, t.sent)}  verified: ${pct(t.sentVerified, t.sent)}`);
      ctx.out(table(['VERIFICATION', 'DELIVERED', 'ATTEMPTS'], o.verification.map((v) => [v.kind, v.sent, v.attempts])));
      if (o.domains.length) {
        ctx.out('');
        ctx.out(table(['DESTINATION', 'SENT', 'TLS', 'VERIFIED', 'LAST TLS'], o.domains.map((d) => [d.domain, d.sent, pct(d.sentTls, d.sent), pct(d.sentVerified, d.sent), d.lastTlsVersion ?? '-'])));
      }
      if (o.cleartextOnly.length) {
        ctx.out('');
        ctx.out(table(['CLEARTEXT ONLY', 'SENT', 'ATTEMPTS'], o.cleartextOnly.map((d) => [d.domain, d.sent, d.attempts])));
      }
    });
}
