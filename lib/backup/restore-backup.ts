// `postern restore`: a backup into an empty database.
//
// The file is read twice. The first pass proves it whole (every chunk genuine, in order, up to
// the last one; every record well formed; the migrations known to this Postern) and learns the
// manifest and the row counts; nothing is written before it ends. The second pass writes: the
// schema migrated up to the backup's level, then every table copied in, in one transaction, with
// each table's rows counted against the backup's and every sequence set past what it had handed
// out. Then the migrations this Postern has beyond the backup's run, as on any upgrade.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { migrate, MIGRATIONS_DIR, readMigrations } from '@/lib/db/migrate';
import { PROGRESS_EVERY } from './create-backup';
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, type Manifest } from './manifest';
import { json, records, type BackupRecord } from './records';
import { openSealedFile, SealedFileError } from './sealed-file';
import { listTables, quoteIdent } from './schema';

/** A backup proven whole: what it holds, without its rows. */
export interface VerifiedBackup {
  file: string;
  manifest: Manifest;
  rows: Record<string, number>;
}

/** Reads the whole file once and proves it whole (see the top of this file). Writes nothing. */
export async function verifyBackup(file: string, passphrase: string, migrationsDir = MIGRATIONS_DIR): Promise<VerifiedBackup> {
  const sealed = await openSealedFile(file, passphrase);
  try {
    let manifest: Manifest | undefined;
    let table: string | undefined;
    let end: { tables: Record<string, number> } | undefined;
    const seen: Record<string, number> = {};
    for (const r of records(sealed.chunks())) {
      if (end) throw new SealedFileError(`${file} is damaged (records after its end)`);
      if (!manifest) {
        if (r.kind !== 'M') throw new SealedFileError(`${file} is damaged (no manifest)`);
        manifest = json<Manifest>(r);
        if (manifest.format !== BACKUP_FORMAT || manifest.version !== BACKUP_FORMAT_VERSION) throw new SealedFileError(`${file} is not a backup this Postern reads`);
        continue;
      }
      if (r.kind === 'T') {
        if (table) throw new SealedFileError(`${file} is damaged (table ${table} never ends)`);
        table = json<{ name: string }>(r).name;
      } else if (r.kind === 'E') {
        const e = json<{ name: string; rows: number }>(r);
        if (e.name !== table) throw new SealedFileError(`${file} is damaged (table records out of order)`);
        seen[e.name] = e.rows;
        table = undefined;
      } else if (r.kind === 'D') {
        if (!table) throw new SealedFileError(`${file} is damaged (rows outside a table)`);
      } else if (r.kind === 'Z') {
        end = json(r);
      } else throw new SealedFileError(`${file} is damaged (a second manifest)`);
    }
    if (!manifest || !end) throw new SealedFileError(`${file} is damaged (it has no end record)`);
    for (const t of manifest.tables) {
      if (seen[t.name] === undefined || seen[t.name] !== end.tables[t.name]) throw new SealedFileError(`${file} is damaged (table ${t.name} is missing or incomplete)`);
    }
    checkMigrations(manifest, migrationsDir);
    return { file, manifest, rows: seen };
  } finally {
    sealed.close();
  }
}

/** The backup's migrations must be this Postern's first ones, unchanged. */
function checkMigrations(manifest: Manifest, migrationsDir: string): void {
  const local = readMigrations(migrationsDir);
  manifest.migrations.forEach((m, i) => {
    const here = local[i];
    if (!here || here.name !== m.name) {
      const known = local.some((l) => l.name === m.name);
      throw new SealedFileError(
        known ? `the backup's schema (migration ${m.name}) does not follow this Postern's migrations` : `the backup was made by a newer Postern (migration ${m.name} is unknown here): restore it with that version or later`,
      );
    }
    if (here.checksum !== m.checksum) throw new SealedFileError(`migration ${m.name} differs between the backup and this Postern`);
  });
}

/**
 * The rows migrations write themselves (the global policy, the one monitoring settings row), as
 * they stand before anyone changes them: a migrated database holding only these is empty for a
 * restore, and the restore replaces them with the backup's own.
 */
const MIGRATION_ROWS: Record<string, string> = {
  policies: `domain_id IS NULL AND settings = '{}'::jsonb`,
  monitoring_settings: `id = 1 AND coalesce(cardinality(metrics_allow), 0) = 0 AND coalesce(cardinality(alert_recipients), 0) = 0 AND webhook_url IS NULL AND cert_days = 14 AND daemon_silent_minutes = 5 AND queue_threshold = 1000 AND send_limit_alerts`,
};

/**
 * Why the database cannot take a restore, or null when it can: it must hold no tables, or be a
 * Postern schema (migrated no further than the backup) without a single row but those the
 * migrations write (MIGRATION_ROWS).
 */
export async function whyNotEmpty(client: pg.ClientBase, manifest: Manifest): Promise<string | null> {
  const tables = await listTables(client);
  if (!tables.length) return null;
  if (!tables.includes('_prisma_migrations')) return `the database holds tables that are not Postern's (${tables.slice(0, 3).join(', ')}): restore into an empty database`;
  const applied = (await client.query<{ name: string }>(`SELECT migration_name AS name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY 1`)).rows.map((r) => r.name);
  const level = manifest.migrations.map((m) => m.name);
  if (applied.some((name, i) => level[i] !== name)) {
    return `the database is migrated past the backup (${applied.length} migrations, the backup has ${level.length}): restore into a database without tables`;
  }
  for (const t of tables) {
    if (t === '_prisma_migrations') continue;
    const where = t in MIGRATION_ROWS ? ` WHERE NOT (${MIGRATION_ROWS[t]})` : '';
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${quoteIdent(t)}${where} LIMIT 1) x`);
    if (Number(r.rows[0].n) > 0) return `the database is not empty (${t} has rows): restore into an empty database or data directory`;
  }
  return null;
}

/** A directory holding only the backup's migrations, so the schema is migrated to its level and no further. */
function migrationsUpTo(manifest: Manifest, migrationsDir: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-restore-'));
  for (const m of manifest.migrations) {
    fs.mkdirSync(path.join(dir, m.name));
    fs.copyFileSync(path.join(migrationsDir, m.name, 'migration.sql'), path.join(dir, m.name, 'migration.sql'));
  }
  return dir;
}

export interface RestoreInput {
  databaseUrl: string;
  backup: VerifiedBackup;
  passphrase: string;
  progress?: (line: string) => void;
  /** Runs once the database is known to be empty, before anything is written to it (the master key goes in place here). */
  beforeWrite?: () => void | Promise<void>;
  migrationsDir?: string;
}

export interface RestoreSummary {
  tables: { name: string; rows: number }[];
  /** Migrations of this Postern newer than the backup, applied after the rows were in. */
  upgraded: string[];
}

/** Restores a verified backup into the (checked empty) database. */
export async function restoreBackup(input: RestoreInput): Promise<RestoreSummary> {
  const progress = input.progress ?? (() => {});
  const { manifest } = input.backup;
  const migrationsDir = input.migrationsDir ?? MIGRATIONS_DIR;
  const client = new pg.Client({ connectionString: input.databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    const refused = await whyNotEmpty(client, manifest);
    if (refused) throw new Error(refused);
    await input.beforeWrite?.();
    const level = migrationsUpTo(manifest, migrationsDir);
    try {
      await migrate(input.databaseUrl, level);
    } finally {
      fs.rmSync(level, { recursive: true, force: true });
    }
    progress(`schema: ${manifest.migrations.length} migrations`);

    const tables: { name: string; rows: number }[] = [];
    await client.query('BEGIN');
    try {
      // Checked again under the lock that keeps everyone else out until COMMIT.
      await client.query(`LOCK TABLE ${manifest.tables.map((t) => quoteIdent(t.name)).join(', ')} IN ACCESS EXCLUSIVE MODE`);
      const again = await whyNotEmpty(client, manifest);
      if (again) throw new Error(again);
      // The rows the migrations wrote; the backup has the real ones.
      for (const [t, where] of Object.entries(MIGRATION_ROWS)) {
        if (manifest.tables.some((m) => m.name === t)) await client.query(`DELETE FROM ${quoteIdent(t)} WHERE ${where}`);
      }

      const sealed = await openSealedFile(input.backup.file, input.passphrase);
      try {
        const iter = records(sealed.chunks());
        const next = () => iter.next();
        for (let r = next(); !r.done; r = next()) {
          const rec: BackupRecord = r.value;
          if (rec.kind !== 'T') continue;
          const table = json<{ name: string; columns: string[] }>(rec);
          // The data records of this table, up to its end record, as one COPY FROM stream.
          let rows = 0;
          let bytes = 0;
          const data = Readable.from(
            (function* () {
              for (let d = next(); !d.done; d = next()) {
                if (d.value.kind === 'E') {
                  rows = json<{ rows: number }>(d.value).rows;
                  return;
                }
                const n = d.value.payload.length;
                if (Math.floor((bytes + n) / PROGRESS_EVERY) > Math.floor(bytes / PROGRESS_EVERY)) progress(`${table.name}: ${Math.floor((bytes + n) / 1048576)} MiB…`);
                bytes += n;
                yield d.value.payload;
              }
            })(),
          );
          const copy = client.query(copyFrom(`COPY ${quoteIdent(table.name)} (${table.columns.map(quoteIdent).join(', ')}) FROM STDIN (FORMAT binary)`));
          await pipeline(data, copy);
          if (copy.rowCount !== rows) throw new Error(`${table.name}: ${copy.rowCount} rows restored, the backup has ${rows}`);
          tables.push({ name: table.name, rows });
          progress(`${table.name}: ${rows} rows`);
        }
      } finally {
        sealed.close();
      }
      for (const s of manifest.sequences) {
        // Never below the value the target's own sequence reached (a UIDVALIDITY sequence starts at the migration's epoch second).
        await client.query(`SELECT setval($1::regclass, GREATEST($2::bigint, (SELECT last_value FROM ${quoteIdent(s.name)})))`, [quoteIdent(s.name), s.lastValue]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
    const upgraded = await migrate(input.databaseUrl, migrationsDir);
    if (upgraded.length) progress(`upgraded: ${upgraded.length} newer migrations applied`);
    return { tables, upgraded };
  } finally {
    await client.end().catch(() => {});
  }
}
