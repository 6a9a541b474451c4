import type { Command } from 'commander';
import { findDomainInScope } from '@/lib/domains/scope';
import { ServiceError } from '@/lib/errors';
import { getEffectivePolicy, getPolicyOverride, updatePolicy, type PolicyOverride } from '@/lib/policy';
import type { CliContext } from '../context';

// "50M"-style sizes are not accepted here on purpose: values are JSON (numbers in bytes,
// true/false, ["10.0.0.0/8"]), or a bare word taken as a string, so the CLI stores
// exactly what the panel would.
function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

async function scope(ctx: CliContext, domain?: string): Promise<string | null> {
  return domain ? (await findDomainInScope(await ctx.db(), ctx.actor, domain)).id : null;
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const [head, sub] = key.split('.', 2);
  if (!head) throw new ServiceError('invalid', 'a key is required', 'key');
  if (sub === undefined) {
    if (value === undefined) delete target[head];
    else target[head] = value;
    return;
  }
  const inner = { ...((target[head] as Record<string, unknown>) ?? {}) };
  if (value === undefined) delete inner[sub];
  else inner[sub] = value;
  if (Object.keys(inner).length) target[head] = inner;
  else delete target[head];
}

export function registerPolicy(program: Command, ctx: CliContext): void {
  const policy = program.command('policy').description('global policy and per-domain overrides');

  policy
    .command('show')
    .description('the effective policy (defaults ← global ← domain override)')
    .option('--domain <domain>', 'for this domain')
    .option('--overrides', 'only the keys set at this level')
    .option('--json', 'machine-readable output')
    .action(async (opts: { domain?: string; overrides?: boolean; json?: boolean }) => {
      const db = await ctx.db();
      const domainId = await scope(ctx, opts.domain);
      const value = opts.overrides ? await getPolicyOverride(db, domainId) : await getEffectivePolicy(db, domainId);
      if (opts.json) return ctx.json(value);
      for (const [k, v] of Object.entries(value)) ctx.out(`${k} = ${JSON.stringify(v)}`);
    });

  for (const [verb, unset] of [['set', false], ['unset', true]] as const) {
    policy
      .command(unset ? `${verb} <key>` : `${verb} <key> <value>`)
      .description(unset ? 'remove a key at this level (falls back to global, then the default)' : 'set a key, e.g. maxRecipients 50, bruteForce.maxFailures 10, relayNetworks \'["10.0.0.0/8"]\'')
      .option('--domain <domain>', 'the domain override instead of the global policy')
      .action(async (key: string, ...rest: unknown[]) => {
        const value = unset ? undefined : parseValue(rest[0] as string);
        const opts = (unset ? rest[0] : rest[1]) as { domain?: string };
        const db = await ctx.db();
        const domainId = await scope(ctx, opts.domain);
        const settings = structuredClone(await getPolicyOverride(db, domainId)) as Record<string, unknown>;
        setPath(settings, key, value);
        await updatePolicy(db, ctx.actor, { domainId, settings: settings as PolicyOverride });
        ctx.out(unset ? `unset ${key}` : `set ${key} = ${JSON.stringify(value)}`);
      });
  }
}
