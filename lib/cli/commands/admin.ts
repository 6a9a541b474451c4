import type { Command } from 'commander';
import { addAdmin, listAdmins, removeAdmin, setAdminPassword } from '@/lib/admins';
import type { CliContext } from '../context';
import { table } from '../output';
import { readPasswordOption } from '../password-input';

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

export function registerAdmin(program: Command, ctx: CliContext): void {
  const admin = program.command('admin').description('panel administrators');

  admin
    .command('add <email>')
    .description('add an admin; without a password one is generated and printed once')
    .option('--password-stdin', 'read the password from stdin')
    .option('--role <role>', 'global or domain', 'global')
    .option('--domains <list>', 'comma-separated domains a domain admin manages', list)
    .action(async (email: string, opts: { passwordStdin?: boolean; role: string; domains?: string[] }) => {
      const password = await readPasswordOption(ctx, opts, { required: false });
      const r = await addAdmin(await ctx.db(), ctx.actor, { email, password, role: opts.role as 'global', domains: opts.domains });
      ctx.out(`added ${r.admin.role.toLowerCase()} admin ${r.admin.email}${r.admin.domains.length ? ` for ${r.admin.domains.join(', ')}` : ''}`);
      if (r.generatedPassword) ctx.out(`password: ${r.generatedPassword}`);
    });

  admin
    .command('list')
    .alias('ls')
    .description('list admins')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const rows = await listAdmins(await ctx.db(), ctx.actor);
      if (opts.json) return ctx.json(rows);
      ctx.out(table(['EMAIL', 'ROLE', 'TOTP', 'DOMAINS'], rows.map((a) => [a.email, a.role.toLowerCase(), a.totpEnabled ? 'yes' : 'no', a.domains.join(', ')])));
    });

  admin
    .command('rm <email>')
    .alias('remove')
    .description('remove an admin (never the last global one)')
    .action(async (email: string) => {
      await removeAdmin(await ctx.db(), ctx.actor, { email });
      ctx.out(`removed ${email.trim().toLowerCase()}`);
    });

  admin
    .command('passwd <email>')
    .description("reset an admin's password (from stdin, asked on the terminal, or --generate)")
    .option('--password-stdin', 'read the password from stdin')
    .option('--generate', 'generate one and print it once')
    .action(async (email: string, opts: { passwordStdin?: boolean; generate?: boolean }) => {
      const password = opts.generate ? undefined : await readPasswordOption(ctx, opts, { required: true });
      const r = await setAdminPassword(await ctx.db(), ctx.actor, { email, password });
      ctx.out(`password changed for ${email.trim().toLowerCase()}`);
      if (r.generatedPassword) ctx.out(`password: ${r.generatedPassword}`);
    });
}
