import type { Command } from 'commander';
import { processSecrets } from '@/lib/config/secrets';
import { findDomainInScope } from '@/lib/domains/scope';
import { ServiceError } from '@/lib/errors';
import { splitList } from '@/lib/forms/list';
import {
  getEffectivePolicy,
  getPolicyOverride,
  redactSmarthost,
  updatePolicy,
  updatePolicyWithSmarthost,
  type PolicyOverride,
  type SmarthostInput,
} from '@/lib/policy';
import { normalizeDomain } from '@/lib/validations';
import type { CliContext } from '../context';
import { passwordFromStdin, promptPassword } from '../password-input';

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
      // The relay's password is never printed, not even sealed: only whether one is stored.
      const value = redactSmarthost(opts.overrides ? await getPolicyOverride(db, domainId) : await getEffectivePolicy(db, domainId));
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
        if (key === 'smarthost.passwordSealed' || (key === 'smarthost' && typeof value === 'object' && value !== null && 'passwordSealed' in value)) {
          throw new ServiceError('invalid', 'set the relay password with: postern policy smarthost --smarthost-password', 'smarthost.passwordSealed');
        }
        const db = await ctx.db();
        const domainId = await scope(ctx, opts.domain);
        const settings = structuredClone(await getPolicyOverride(db, domainId)) as Record<string, unknown>;
        const storedSealed = (settings.smarthost as { passwordSealed?: string } | undefined)?.passwordSealed;
        setPath(settings, key, value);
        // A whole relay given as JSON keeps the stored password (it cannot carry one).
        if (key === 'smarthost' && storedSealed && typeof value === 'object' && value !== null) {
          settings.smarthost = { ...(value as object), passwordSealed: storedSealed };
        }
        await updatePolicy(db, ctx.actor, { domainId, settings: settings as PolicyOverride });
        ctx.out(unset ? `unset ${key}` : `set ${key} = ${JSON.stringify(value)}`);
      });
  }

  policy
    .command('smarthost')
    .description('the relay for outbound mail (global policy); options not given keep their stored value')
    .option('--host <host>', 'relay host name or IP')
    .option('--port <port>', 'port (587 STARTTLS, 465 implicit TLS)')
    .option('--security <mode>', 'starttls or implicit')
    .option('--username <user>', 'AUTH user name ("" for none)')
    .option('--domains <list>', 'recipient domains sent through it, comma separated ("" = all outbound mail)')
    .option('--smarthost-password', 'set the AUTH password: asked on the terminal without echo, or read from stdin when piped')
    .option('--clear-password', 'forget the stored password')
    .option('--off', 'no relay: deliver to each domain\'s MX (forgets the password)')
    .action(
      async (opts: {
        host?: string;
        port?: string;
        security?: string;
        username?: string;
        domains?: string;
        smarthostPassword?: boolean;
        clearPassword?: boolean;
        off?: boolean;
      }) => {
        const db = await ctx.db();
        const stored = await getPolicyOverride(db, null);
        const { smarthost: current, ...others } = stored;
        const masterKey = processSecrets().masterKey;
        if (opts.off) {
          await updatePolicyWithSmarthost(db, ctx.actor, { domainId: null, settings: others, smarthost: null }, masterKey);
          return ctx.out('smarthost off');
        }
        if (opts.smarthostPassword && opts.clearPassword) {
          throw new ServiceError('invalid', 'give --smarthost-password or --clear-password, not both', 'smarthost-password');
        }
        const host = (opts.host ?? current?.host ?? '').trim().toLowerCase();
        if (!host) throw new ServiceError('invalid', 'no relay is set: give --host', 'host');
        const port = opts.port === undefined ? (current?.port ?? 587) : Number(opts.port);
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ServiceError('invalid', 'must be a port number from 1 to 65535', 'port');
        const security = opts.security ?? current?.security ?? 'starttls';
        if (security !== 'starttls' && security !== 'implicit') throw new ServiceError('invalid', 'must be starttls or implicit', 'security');
        const domains = opts.domains === undefined ? (current?.domains ?? []) : splitList(opts.domains).map((d) => normalizeDomain(d, 'domains'));
        const password = opts.smarthostPassword ? (ctx.stdinIsTty ? await promptPassword('Smarthost password') : await passwordFromStdin(ctx)) : undefined;
        const input: SmarthostInput = {
          host,
          port,
          security,
          username: (opts.username ?? current?.username ?? '').trim(),
          domains: [...new Set(domains)],
          password,
          clearPassword: opts.clearPassword,
        };
        const saved = (await updatePolicyWithSmarthost(db, ctx.actor, { domainId: null, settings: others, smarthost: input }, masterKey)).smarthost!;
        const auth = saved.username ? `user ${saved.username}, password ${saved.passwordSealed ? 'set' : 'not set'}` : 'no AUTH';
        ctx.out(`smarthost ${saved.host}:${saved.port} (${saved.security}, ${auth}) for ${saved.domains.length ? saved.domains.join(', ') : 'all outbound mail'}`);
      },
    );
}
