import type { Command } from 'commander';
import { createToken, listTokens, revokeToken } from '@/lib/api-tokens';
import { DEFAULT_TOKEN_DAYS } from '@/lib/api-tokens/validations';
import type { CliContext } from '../context';
import { table } from '../output';

const collect = (value: string, previous: string[]) => [...previous, value];
const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '');

export function registerToken(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('API tokens for the JSON routes and /metrics');

  token
    .command('create')
    .description('create a token and print it once (only its hash is kept)')
    .requiredOption('--name <name>', 'what the token is for; audit rows carry it')
    .requiredOption('--scope <scope>', 'read (GET routes only) or full')
    .option('--domain <domain>', 'limit the token to this domain (repeat for more)', collect, [])
    .option('--expires-days <days>', `days until it expires (default ${DEFAULT_TOKEN_DAYS})`)
    .option('--json', 'machine-readable output')
    .action(async (opts: { name: string; scope: string; domain: string[]; expiresDays?: string; json?: boolean }) => {
      const { token: secret, info } = await createToken(await ctx.db(), ctx.actor, {
        name: opts.name,
        scope: opts.scope as 'read',
        domains: opts.domain,
        expiresInDays: opts.expiresDays as unknown as number,
      });
      if (opts.json) return ctx.json({ token: secret, ...info });
      ctx.out(secret);
      process.stderr.write(`created ${info.name} (${info.scope}${info.domains.length ? `, ${info.domains.join(', ')}` : ''}), expires ${day(info.expiresAt)} UTC; it is not shown again\n`);
    });

  token
    .command('list')
    .alias('ls')
    .description('list tokens (never their secrets)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const rows = await listTokens(await ctx.db(), ctx.actor);
      if (opts.json) return ctx.json(rows);
      if (rows.length === 0) return ctx.out('no tokens');
      ctx.out(
        table(
          ['NAME', 'PREFIX', 'SCOPE', 'DOMAINS', 'STATE', 'EXPIRES', 'LAST USED'],
          rows.map((t) => [t.name, t.prefix, t.scope, t.domains.join(',') || 'all', t.state, day(t.expiresAt), day(t.lastUsedAt)]),
        ),
      );
    });

  token
    .command('revoke <name>')
    .description('revoke a token: its next request is refused')
    .action(async (name: string) => {
      const t = await revokeToken(await ctx.db(), ctx.actor, { name });
      ctx.out(`revoked ${t.name}`);
    });
}
