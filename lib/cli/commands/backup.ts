import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { audit } from '@/lib/audit';
import { createBackup, installMasterKey, checkMasterKey, restoreBackup, verifyBackup } from '@/lib/backup';
import { readEnv } from '@/lib/config/env';
import { loadSecrets } from '@/lib/config/secrets';
import { createPrisma } from '@/lib/db/prisma';
import { resolveDatabase } from '@/lib/db/resolve';
import { ServiceError } from '@/lib/errors';
import type { CliContext } from '../context';
import { ask } from '../password-input';

const PASSPHRASE_ENV = 'POSTERN_BACKUP_PASSPHRASE';
const MIN_PASSPHRASE = 12;

/**
 * The passphrase: POSTERN_BACKUP_PASSPHRASE, --passphrase-file, or asked on the terminal (twice
 * for a new backup). Never an argument: the command line is visible to every user of the machine.
 */
async function passphrase(ctx: CliContext, opts: { passphraseFile?: string }, confirm: boolean): Promise<string> {
  let value: string | undefined;
  if (opts.passphraseFile) {
    try {
      value = fs.readFileSync(opts.passphraseFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new ServiceError('invalid', `cannot read ${opts.passphraseFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'passphrase-file');
    }
  } else if (process.env[PASSPHRASE_ENV]) value = process.env[PASSPHRASE_ENV];
  else if (ctx.stdinIsTty) {
    value = await ask('Backup passphrase: ');
    if (confirm && (await ask('Again: ')) !== value) throw new ServiceError('invalid', 'the two passphrases differ', 'passphrase');
  } else throw new ServiceError('invalid', `set ${PASSPHRASE_ENV}, give --passphrase-file, or run on a terminal to be asked`, 'passphrase');
  if (!value) throw new ServiceError('invalid', 'empty passphrase', 'passphrase');
  if (confirm && value.length < MIN_PASSPHRASE) throw new ServiceError('invalid', `use at least ${MIN_PASSPHRASE} characters: the file holds the master key`, 'passphrase');
  return value;
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
const progress = (prefix: string) => (line: string) => process.stderr.write(`${prefix}: ${line}\n`);

/** One audit row on the database just backed up or restored. */
async function auditOn(url: string, ctx: CliContext, action: string, target: string, after: unknown): Promise<void> {
  const db = createPrisma(url, 1);
  try {
    await audit(db, ctx.actor, action, target, undefined, after);
  } finally {
    await db.$disconnect();
  }
}

export function registerBackup(program: Command, ctx: CliContext): void {
  program
    .command('backup')
    .description(`write one encrypted backup: every table in one snapshot and the master key (passphrase from ${PASSPHRASE_ENV} or asked)`)
    .option('--out <file>', 'where to write it (default postern-backup-<date>.pbk here); never overwritten')
    .option('--passphrase-file <file>', 'read the passphrase from this file')
    .action(async (opts: { out?: string; passphraseFile?: string }) => {
      const pass = await passphrase(ctx, opts, true);
      const env = readEnv();
      const cluster = await resolveDatabase(env);
      try {
        const r = await createBackup({
          databaseUrl: cluster.url,
          masterKey: loadSecrets(env.dataDir).masterKey,
          passphrase: pass,
          out: opts.out ?? `postern-backup-${stamp()}.pbk`,
          progress: progress('backup'),
        });
        const rows = r.tables.reduce((n, t) => n + t.rows, 0);
        await auditOn(cluster.url, ctx, 'backup.create', r.file, { bytes: r.bytes, tables: r.tables.length, rows });
        ctx.out(`wrote ${r.file} (${r.bytes} bytes: ${r.tables.length} tables, ${rows} rows, the master key)`);
      } finally {
        await cluster.stop();
      }
    });

}

export function registerRestore(program: Command, ctx: CliContext): void {
  program
    .command('restore <file>')
    .description('restore a backup into an empty database (DATABASE_URL) or data directory (POSTERN_DATA_DIR)')
    .option('--passphrase-file <file>', 'read the passphrase from this file')
    .action(async (file: string, opts: { passphraseFile?: string }) => {
      const pass = await passphrase(ctx, opts, false);
      const env = readEnv();
      // The whole file is proven genuine, and the key usable here, before any database is opened or created.
      const backup = await verifyBackup(file, pass);
      checkMasterKey(backup.manifest.masterKey);
      const say = progress('restore');
      // Opening a new data directory generates its secrets.json: that key is replaced without a copy.
      const hadSecrets = fs.existsSync(path.join(env.dataDir, 'secrets.json'));
      const cluster = await resolveDatabase(env);
      try {
        const r = await restoreBackup({
          databaseUrl: cluster.url,
          backup,
          passphrase: pass,
          progress: say,
          // Said once the target is known to take it: a refusal is one line.
          beforeWrite: () => {
            say(`${file}: backup of ${backup.manifest.createdAt}, ${backup.manifest.tables.length} tables, verified`);
            say(installMasterKey(env.dataDir, backup.manifest.masterKey, { keepPrevious: hadSecrets }));
          },
        });
        const rows = r.tables.reduce((n, t) => n + t.rows, 0);
        await auditOn(cluster.url, ctx, 'backup.restore', file, { createdAt: backup.manifest.createdAt, tables: r.tables.length, rows, upgraded: r.upgraded });
        ctx.out(`restored ${file}: ${r.tables.length} tables, ${rows} rows (backup of ${backup.manifest.createdAt})`);
      } finally {
        await cluster.stop();
      }
    });
}
