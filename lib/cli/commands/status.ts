import type { Command } from 'commander';
import { formatDuration } from '@/components/ui/format';
import { readEnv } from '@/lib/config/env';
import { goneAfterMsOf, listDaemons } from '@/lib/daemons/liveness';
import type { CliContext } from '../context';
import { table } from '../output';

// postern status: is mail being served? Each mail daemon from its daemon_status heartbeat.

export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description(
      'the mail daemons with their heartbeat age: alive, or gone (no heartbeat for POSTERN_DAEMON_GONE_SECONDS); exit 0 when one is alive, 1 when none is',
    )
    .option('--json', 'machine-readable output: instanceId, hostname, version, startedAt, heartbeatAt, ageSeconds, alive, listeners')
    .action(async (o: { json?: boolean }) => {
      const goneAfterMs = goneAfterMsOf(readEnv());
      const daemons = await listDaemons(await ctx.db(), { goneAfterMs });
      if (!daemons.some((d) => d.alive)) process.exitCode = 1;
      if (o.json) {
        return ctx.json(
          daemons.map((d) => ({
            instanceId: d.instanceId, hostname: d.hostname, version: d.version, startedAt: d.startedAt, heartbeatAt: d.heartbeatAt,
            ageSeconds: Math.floor(d.ageMs / 1000), alive: d.alive, listeners: d.listeners,
          })),
        );
      }
      if (!daemons.length) return ctx.out('no mail daemon is reporting: mail is not being served');
      ctx.out(
        table(
          ['INSTANCE', 'HOST', 'VERSION', 'HEARTBEAT', 'STATE', 'LISTENERS'],
          daemons.map((d) => [
            d.instanceId, d.hostname, d.version, `${formatDuration(d.ageMs)} ago`, d.alive ? 'alive' : 'gone',
            d.listeners.map((l) => `${l.name}:${l.port}`).join(','),
          ]),
        ),
      );
      if (!daemons.some((d) => d.alive)) ctx.out(`no mail daemon is alive (none has a heartbeat younger than ${goneAfterMs / 1000}s): mail is not being served`);
    });
}
