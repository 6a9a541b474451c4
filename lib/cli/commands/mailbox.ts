import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { readEnv } from '@/lib/config/env';
import { createPool } from '@/lib/db/pool';
import { resolveDatabase } from '@/lib/db/resolve';
import { ServiceError } from '@/lib/errors';
import { exportMail, type MboxSink } from '@/lib/mailboxes/export-mail';
import { importMail, type MailToImport } from '@/lib/mailboxes/import-mail';
import { isMaildir, readMaildir } from '@/lib/mailboxes/maildir';
import { folderFile, folderOfFile, NotMboxError, readMbox, statusFlags } from '@/lib/mailboxes/mbox';
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

  mailbox
    .command('export <address>')
    .description('write mail as mbox (mboxrd): one folder to a file or stdout, or every folder into a directory (one <folder>.mbox each)')
    .option('--folder <name>', 'only this folder (default: every folder, which needs --out DIR)')
    .option('--out <path>', 'with --folder: the file (default stdout); without: a new or empty directory')
    .action(async (address: string, opts: { folder?: string; out?: string }) => {
      const db = await ctx.db();
      const toStdout = opts.folder !== undefined && (opts.out === undefined || opts.out === '-');
      if (opts.folder === undefined) {
        if (!opts.out) throw new ServiceError('invalid', 'give --out DIR for every folder, or --folder NAME for one', 'out');
        if (fs.existsSync(opts.out) && fs.readdirSync(opts.out).length) throw new ServiceError('invalid', `${opts.out} is not empty`, 'out');
      } else if (!toStdout && fs.existsSync(opts.out!)) throw new ServiceError('invalid', `${opts.out} exists (an export never overwrites a file)`, 'out');
      const open = (folder: string): MboxSink => {
        if (toStdout) return { write: (b) => writeStdout(b), close: () => {} };
        const file = opts.folder === undefined ? path.join(opts.out!, folderFile(folder)) : opts.out!;
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const fd = fs.openSync(file, 'wx', 0o600);
        return { write: (b) => writeAll(fd, b), close: () => fs.closeSync(fd) };
      };
      const folders = await exportMail(db, ctx.actor, { address, folder: opts.folder }, open);
      const say = (line: string) => (toStdout ? process.stderr.write(`${line}\n`) : ctx.out(line));
      for (const f of folders) process.stderr.write(`${f.name}: ${f.messages} messages (${f.bytes} bytes)\n`);
      const total = folders.reduce((n, f) => n + f.messages, 0);
      say(`exported ${total} messages from ${folders.length} folder${folders.length === 1 ? '' : 's'}${toStdout ? '' : ` to ${opts.out}`}`);
    });

  mailbox
    .command('import-mail <address> <path>')
    .description('add mail from an mbox file (mboxrd), a Maildir (cur/, new/; flags from ":2,"), or a directory of <folder>.mbox files as export writes')
    .option('--folder <name>', 'the folder to import into (created when missing; default INBOX); not for a directory of mbox files')
    .action(async (address: string, source: string, opts: { folder?: string }) => {
      const stat = fs.statSync(source, { throwIfNoEntry: false });
      if (!stat) throw new ServiceError('invalid', `no such file or directory: ${source}`, 'path');
      let jobs: { folder: string; messages: () => AsyncIterable<MailToImport> }[];
      if (stat.isDirectory() && isMaildir(source)) {
        jobs = [{ folder: opts.folder ?? 'INBOX', messages: () => fromMaildir(source) }];
      } else if (stat.isDirectory()) {
        const files = mboxFiles(source);
        if (!files.length) throw new ServiceError('invalid', `${source} is neither a Maildir (cur/, new/) nor a directory of .mbox files`, 'path');
        if (opts.folder !== undefined) throw new ServiceError('invalid', 'a directory of .mbox files names its folders itself: leave out --folder', 'folder');
        jobs = files.map((f) => ({ folder: folderOfFile(path.relative(source, f)), messages: () => fromMbox(f) }));
      } else {
        jobs = [{ folder: opts.folder ?? 'INBOX', messages: () => fromMbox(source) }];
      }
      const db = await ctx.db();
      const cluster = await resolveDatabase(readEnv());
      const pool = createPool(cluster.url, { max: 2 });
      try {
        let total = 0;
        for (const job of jobs) {
          const r = await importMail(db, pool, ctx.actor, {
            address,
            folder: job.folder,
            messages: job.messages(),
            progress: (n) => n % 1000 === 0 && process.stderr.write(`${job.folder}: ${n} messages\n`),
          });
          process.stderr.write(`${r.folder}: ${r.messages} messages (${r.bytes} bytes)\n`);
          total += r.messages;
        }
        ctx.out(`imported ${total} messages into ${address.trim().toLowerCase()}`);
      } finally {
        await pool.end();
        await cluster.stop();
      }
    });
}

async function* fromMbox(file: string): AsyncGenerator<MailToImport> {
  try {
    for await (const m of readMbox(file)) yield { raw: m.raw, flags: statusFlags(m.raw), internalDate: m.date };
  } catch (err) {
    if (err instanceof NotMboxError) throw new ServiceError('invalid', err.message, 'path');
    throw err;
  }
}

async function* fromMaildir(dir: string): AsyncGenerator<MailToImport> {
  for await (const m of readMaildir(dir)) yield { raw: m.raw, flags: m.flags, internalDate: m.date };
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off);
}

function writeStdout(bytes: Buffer): Promise<void> | void {
  if (!process.stdout.write(bytes)) return new Promise((resolve) => process.stdout.once('drain', () => resolve()));
}

/** The .mbox files under a directory, at any depth, in name order. */
function mboxFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile() && e.name.endsWith('.mbox'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}
