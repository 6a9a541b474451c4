import type { Command } from 'commander';
import { addDomain, listDomains, removeDomain, setDomainEnabled } from '@/lib/domains';
import { formatBytes } from '@/lib/validations/quota';
import type { CliContext } from '../context';
import { table } from '../output';

export function registerDomain(program: Command, ctx: CliContext): void {
  const domain = program.command('domain').description('mail domains');

  domain
    .command('add <name>')
    .description('add a domain (IDN names are stored as punycode)')
    .action(async (name: string) => {
      const d = await addDomain(await ctx.db(), ctx.actor, { name });
      ctx.out(`added ${d.name}`);
    });

  domain
    .command('list')
    .alias('ls')
    .description('list domains with mailbox and alias counts')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const rows = await listDomains(await ctx.db(), ctx.actor);
      if (opts.json) return ctx.json(rows);
      if (rows.length === 0) return ctx.out('no domains (add one: postern domain add example.org)');
      ctx.out(
        table(
          ['DOMAIN', 'ENABLED', 'MAILBOXES', 'ALIASES', 'USED'],
          rows.map((d) => [d.name, d.enabled ? 'yes' : 'no', d.mailboxCount, d.aliasCount, formatBytes(d.usedBytes)]),
        ),
      );
    });

  domain
    .command('rm <name>')
    .alias('remove')
    .description('remove a domain (refused while it has mailboxes, unless --force)')
    .option('--force', 'also remove its mailboxes and their mail')
    .action(async (name: string, opts: { force?: boolean }) => {
      const r = await removeDomain(await ctx.db(), ctx.actor, { name, force: opts.force });
      ctx.out(`removed ${name}${r.removedMailboxes ? ` and ${r.removedMailboxes} mailbox(es)` : ''}`);
    });

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    domain
      .command(`${verb} <name>`)
      .description(`${verb} a domain`)
      .action(async (name: string) => {
        await setDomainEnabled(await ctx.db(), ctx.actor, { name, enabled });
        ctx.out(`${verb}d ${name}`);
      });
  }
}
