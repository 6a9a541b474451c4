import type { Command } from 'commander';
import { createAlias, listAliases, removeAlias, type AliasDto } from '@/lib/aliases';
import type { CliContext } from '../context';
import { table } from '../output';

export function registerAlias(program: Command, ctx: CliContext): void {
  const alias = program.command('alias').description('aliases and catch-alls');

  alias
    .command('add <source> <destinations...>')
    .description('forward source (name@domain, or @domain for a catch-all) to one or more addresses')
    .action(async (source: string, destinations: string[]) => {
      const a = await createAlias(await ctx.db(), ctx.actor, { source, destinations });
      ctx.out(`added ${a.source} → ${a.destinations.join(', ')}`);
    });

  alias
    .command('list')
    .alias('ls')
    .description('list aliases')
    .option('--domain <domain>', 'only this domain')
    .option('--json', 'machine-readable output')
    .action(async (opts: { domain?: string; json?: boolean }) => {
      const db = await ctx.db();
      const rows: AliasDto[] = [];
      for (let page = 1; ; page++) {
        const p = await listAliases(db, ctx.actor, { domain: opts.domain, page, pageSize: 500 });
        rows.push(...p.rows);
        if (rows.length >= p.total || p.rows.length === 0) break;
      }
      if (opts.json) return ctx.json(rows);
      if (rows.length === 0) return ctx.out('no aliases');
      ctx.out(table(['SOURCE', 'ENABLED', 'DESTINATIONS'], rows.map((a) => [a.source, a.enabled ? 'yes' : 'no', a.destinations.join(', ')])));
    });

  alias
    .command('rm <source>')
    .alias('remove')
    .description('remove an alias')
    .action(async (source: string) => {
      await removeAlias(await ctx.db(), ctx.actor, { source });
      ctx.out(`removed ${source.trim().toLowerCase()}`);
    });
}
