import type { Command } from 'commander';
import { listAudit } from '@/lib/audit';
import { ServiceError } from '@/lib/errors';
import type { CliContext } from '../context';
import { table } from '../output';

export function registerAudit(program: Command, ctx: CliContext): void {
  const audit = program.command('audit').description('the audit log');

  audit
    .command('list')
    .alias('ls')
    .description('newest first')
    .option('--action <prefix>', 'e.g. mailbox. or policy.update')
    .option('--target <text>', 'target contains')
    .option('--limit <n>', 'rows (max 500)', '50')
    .option('--json', 'machine-readable output')
    .action(async (opts: { action?: string; target?: string; limit: string; json?: boolean }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new ServiceError('invalid', `"${opts.limit}" is not a positive number`, 'limit');
      const { rows } = await listAudit(await ctx.db(), ctx.actor, { action: opts.action, target: opts.target, limit });
      if (opts.json) return ctx.json(rows);
      ctx.out(table(['AT', 'ACTOR', 'ACTION', 'TARGET', 'IP'], rows.map((r) => [r.at.toISOString(), r.actor, r.action, r.target, r.ip])));
    });
}
