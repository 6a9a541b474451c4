import fs from 'node:fs';
import type { Command } from 'commander';
import { ServiceError } from '@/lib/errors';
import { createMailbox, getMailbox, importMailboxes, listMailboxes, removeMailbox, setMailboxPassword, updateMailbox } from '@/lib/mailboxes';
import type { MailboxDto } from '@/lib/mailboxes';
import { formatBytes } from '@/lib/validations/quota';
import type { CliContext } from '../context';
import { table } from '../output';
import { readPasswordOption } from '../password-input';

const quota = (m: MailboxDto) => (m.quotaBytes ? formatBytes(m.quotaBytes) : 'unlimited');

export function registerMailbox(program: Command, ctx: CliContext): void {
  const mailbox = program.command('mailbox').description('mailboxes');

  mailbox
    .command('add <address>')
    .description('create a mailbox; without a password one is generated and printed once')
    .option('--password <password>', 'the password (visible in your shell history: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--quota <size>', 'quota, e.g. 500M, 2G (1G = 1024³ bytes; 0 = unlimited); default: the policy')
    .option('--name <name>', 'display name')
    .option('--disabled', 'create it disabled')
    .action(async (address: string, opts: { password?: string; passwordStdin?: boolean; quota?: string; name?: string; disabled?: boolean }) => {
      const password = await readPasswordOption(ctx, opts, { required: false });
      const r = await createMailbox(await ctx.db(), ctx.actor, { address, password, quota: opts.quota, name: opts.name, enabled: !opts.disabled });
      ctx.out(`created ${r.mailbox.address} (quota ${quota(r.mailbox)})`);
      if (r.generatedPassword) ctx.out(`password: ${r.generatedPassword}`);
    });

  mailbox
    .command('list')
    .alias('ls')
    .description('list mailboxes')
    .option('--domain <domain>', 'only this domain')
    .option('--search <text>', 'address or name contains')
    .option('--json', 'machine-readable output')
    .action(async (opts: { domain?: string; search?: string; json?: boolean }) => {
      const db = await ctx.db();
      const rows: MailboxDto[] = [];
      for (let page = 1; ; page++) {
        const p = await listMailboxes(db, ctx.actor, { domain: opts.domain, search: opts.search, page, pageSize: 500 });
        rows.push(...p.rows);
        if (rows.length >= p.total || p.rows.length === 0) break;
      }
      if (opts.json) return ctx.json(rows);
      if (rows.length === 0) return ctx.out('no mailboxes');
      ctx.out(
        table(
          ['ADDRESS', 'NAME', 'ENABLED', 'USED', 'QUOTA'],
          rows.map((m) => [m.address, m.displayName, m.enabled ? 'yes' : 'no', formatBytes(m.usedBytes), quota(m)]),
        ),
      );
    });

  mailbox
    .command('show <address>')
    .description('one mailbox')
    .option('--json', 'machine-readable output')
    .action(async (address: string, opts: { json?: boolean }) => {
      const m = await getMailbox(await ctx.db(), ctx.actor, { address });
      if (opts.json) return ctx.json(m);
      ctx.out(table(['ADDRESS', 'NAME', 'ENABLED', 'USED', 'QUOTA'], [[m.address, m.displayName, m.enabled ? 'yes' : 'no', formatBytes(m.usedBytes), quota(m)]]));
    });

  mailbox
    .command('set <address>')
    .description('change name or quota')
    .option('--quota <size>', 'new quota, e.g. 2G')
    .option('--name <name>', 'new display name ("" to clear)')
    .action(async (address: string, opts: { quota?: string; name?: string }) => {
      if (opts.quota === undefined && opts.name === undefined) throw new ServiceError('invalid', 'give --quota and/or --name', 'options');
      const m = await updateMailbox(await ctx.db(), ctx.actor, { address, quota: opts.quota, name: opts.name });
      ctx.out(`updated ${m.address} (quota ${quota(m)})`);
    });

  mailbox
    .command('passwd <address>')
    .description('set a new password (from stdin, or asked on the terminal)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--generate', 'generate one and print it once')
    .action(async (address: string, opts: { passwordStdin?: boolean; generate?: boolean }) => {
      const password = opts.generate ? undefined : await readPasswordOption(ctx, opts, { required: true });
      const r = await setMailboxPassword(await ctx.db(), ctx.actor, { address, password });
      ctx.out(`password changed for ${address.trim().toLowerCase()}`);
      if (r.generatedPassword) ctx.out(`password: ${r.generatedPassword}`);
    });

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    mailbox
      .command(`${verb} <address>`)
      .description(`${verb} a mailbox (a disabled one cannot log in or receive)`)
      .action(async (address: string) => {
        const m = await updateMailbox(await ctx.db(), ctx.actor, { address, enabled });
        ctx.out(`${verb}d ${m.address}`);
      });
  }

  mailbox
    .command('rm <address>')
    .alias('remove')
    .description('delete a mailbox and all its mail')
    .action(async (address: string) => {
      await removeMailbox(await ctx.db(), ctx.actor, { address });
      ctx.out(`removed ${address.trim().toLowerCase()}`);
    });

  mailbox
    .command('import <file>')
    .description('create mailboxes from CSV: address,name,quota,password (header optional; "-" = stdin)')
    .option('--dry-run', 'validate every row, create nothing')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { dryRun?: boolean; json?: boolean }) => {
      let csv: string;
      try {
        csv = file === '-' ? await ctx.readStdin() : fs.readFileSync(file, 'utf8');
      } catch (err) {
        throw new ServiceError('invalid', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'file');
      }
      const r = await importMailboxes(await ctx.db(), ctx.actor, { csv, dryRun: opts.dryRun });
      if (opts.json) ctx.json(r);
      else {
        for (const row of r.rows) {
          for (const e of row.errors) process.stderr.write(`line ${row.line}: ${row.address || '(empty)'}: ${e.field}: ${e.message}\n`);
        }
        const bad = r.rows.filter((x) => x.errors.length).length;
        if (!r.ok) ctx.out(`${bad} of ${r.rows.length} rows have errors; nothing was created`);
        else if (r.dryRun) ctx.out(`dry run: all ${r.rows.length} rows are valid; run again without --dry-run to create them`);
        else {
          ctx.out(`created ${r.created} mailboxes`);
          const generated = r.rows.filter((x) => x.generatedPassword);
          if (generated.length) {
            ctx.out('generated passwords (shown once):');
            for (const x of generated) ctx.out(`${x.address},${x.generatedPassword}`);
          }
        }
      }
      if (!r.ok) process.exitCode = 1;
    });
}
