import type { Command } from 'commander';
import { checkDomainDnsNow, getDomainDns, zoneFile, type CheckedRecord } from '@/lib/dns-records';
import type { CliContext } from '../context';
import { table } from '../output';

/** Exit status of `dns check` when some record is not right (1 stays "the command failed"). */
export const EXIT_NOT_RIGHT = 2;

const STATE: Record<CheckedRecord['state'], string> = { right: 'ok', different: 'DIFFERENT', missing: 'MISSING', failed: 'FAILED' };

/** `postern dns …`: the records a domain must publish (lib/dns-records), and their live state. */
export function registerDns(program: Command, ctx: CliContext): void {
  const dns = program.command('dns').description('the DNS records each domain must publish, and a live check of them');

  dns
    .command('show <domain>')
    .description('the records to publish, as BIND zone lines with their purpose and RFC')
    .option('--json', 'machine-readable output: every record with purpose, RFC, name, type, value')
    .action(async (name: string, o: { json?: boolean }) => {
      const { expected } = await getDomainDns(await ctx.db(), ctx.actor, name);
      if (o.json) return ctx.json(expected);
      process.stdout.write(zoneFile(expected));
    });

  dns
    .command('check <domain>')
    .description(`look every record up now (POSTERN_DNS_SERVERS); exit 0 when all are right, ${EXIT_NOT_RIGHT} when any is different, missing or its lookup failed, 1 on bad input`)
    .option('--json', 'machine-readable output: every record with its state and what DNS answered')
    .action(async (name: string, o: { json?: boolean }) => {
      const report = await checkDomainDnsNow(await ctx.db(), ctx.actor, name);
      if (report.problems) process.exitCode = EXIT_NOT_RIGHT;
      if (o.json) return ctx.json(report);
      ctx.out(
        table(
          ['STATE', 'TYPE', 'NAME', 'EXPECTED', 'FOUND'],
          report.records.map((r) => [STATE[r.state], r.type, r.name, r.value, r.state === 'failed' ? r.error : r.state === 'right' ? '' : r.found.join(' | ') || '—']),
        ),
      );
      ctx.out('');
      ctx.out(report.problems ? `${report.problems} of ${report.records.length} records not right` : `all ${report.records.length} records right`);
    });
}
