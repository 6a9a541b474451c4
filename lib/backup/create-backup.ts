// `postern backup`: every table of the database, read in one snapshot, with the master key, into
// one passphrase-encrypted file.
//
// Why not pg_dump: the embedded Postgres (server 18) ships initdb and postgres only, and the
// pg_dump a distribution offers is older and refuses a newer server. So Postern writes a logical
// dump of its own: the migrations applied (the schema is ours, restore rebuilds it by migrating)
// and each table's rows as COPY ... (FORMAT binary), all inside one REPEATABLE READ READ ONLY
// transaction — one snapshot, so a message and its blob, a quota and its messages, agree.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { unseal } from '@/lib/crypto/seal';
import { VERSION } from '@/lib/version';
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, EXCLUDED_TABLES, RESET_COLUMNS, type Manifest, type TableEntry } from './manifest';
import { record } from './records';
import { SealedFileWriter } from './sealed-file';
import { dependencyOrder, listSequences, listTables, quoteIdent, tableColumns } from './schema';

export interface BackupInput {
  databaseUrl: string;
  masterKey: string;
  passphrase: string;
  /** Where to write; refused when it exists. Written beside as FILE.partial, renamed when complete. */
  out: string;
  /** Progress lines (tables and their rows), for stderr. */
  progress?: (line: string) => void;
}

export interface BackupSummary {
  file: string;
  bytes: number;
  migrations: number;
  tables: { name: string; rows: number }[];
}

/** The SELECT whose rows COPY writes: every column, the reset ones as NULL. */
function selectFor(table: TableEntry): string {
  const reset = new Set(RESET_COLUMNS[table.name] ?? []);
  const cols = table.columns.map((c) => (reset.has(c) ? `NULL AS ${quoteIdent(c)}` : quoteIdent(c)));
  return `SELECT ${cols.join(', ')} FROM ${quoteIdent(table.name)}`;
}

const DATA_RECORD = 256 * 1024;
const MiB = 1024 * 1024;
/** A large table (the blobs) says how far it got this often. */
export const PROGRESS_EVERY = 256 * MiB;

// Columns holding values sealed with the master key (lib/crypto/seal.ts).
const SEALED_COLUMNS: [table: string, column: string][] = [
  ['certificates', 'key_sealed'],
  ['certificate_authorities', 'key_sealed'],
  ['smime_certificates', 'key_sealed'],
  ['acme_accounts', 'key_sealed'],
  ['dkim_keys', 'private_key_sealed'],
  ['admins', 'totp_secret'],
];

/**
 * A backup carries the master key it was run with; one that cannot unseal the database's keys
 * (the CLI run with another data directory or POSTERN_SECRET than the server) would restore
 * keys nobody can open, so it is refused.
 */
async function assertKeyUnseals(client: pg.ClientBase, tables: string[], masterKey: string): Promise<void> {
  for (const [table, column] of SEALED_COLUMNS) {
    if (!tables.includes(table)) continue;
    const r = await client.query<{ v: string }>(`SELECT ${quoteIdent(column)} AS v FROM ${quoteIdent(table)} WHERE ${quoteIdent(column)} IS NOT NULL LIMIT 1`);
    if (!r.rows[0]) continue;
    try {
      unseal(r.rows[0].v, masterKey);
    } catch {
      throw new Error(`the master key this command runs with does not unseal the database's keys (${table}): run it with the server's POSTERN_SECRET or data directory`);
    }
  }
}

export async function createBackup(input: BackupInput): Promise<BackupSummary> {
  const progress = input.progress ?? (() => {});
  const out = path.resolve(input.out);
  if (fs.existsSync(out)) throw new Error(`${input.out} exists: choose another --out (a backup never overwrites a file)`);
  const partial = `${out}.partial`;
  const client = new pg.Client({ connectionString: input.databaseUrl });
  client.on('error', () => {});
  await client.connect();
  let fd: number | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const migrations = await client
      .query<{ name: string; checksum: string }>(
        `SELECT migration_name AS name, checksum FROM "_prisma_migrations"
          WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
      )
      .catch(() => {
        throw new Error('the database has no Postern schema (no migrations applied): nothing to back up');
      });
    const names = (await listTables(client)).filter((t) => !(t in EXCLUDED_TABLES));
    await assertKeyUnseals(client, names, input.masterKey);
    const tables: TableEntry[] = [];
    for (const name of await dependencyOrder(client, names)) tables.push({ name, columns: await tableColumns(client, name) });
    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      postern: VERSION,
      migrations: migrations.rows,
      tables,
      sequences: await listSequences(client),
      masterKey: input.masterKey,
    };

    fd = fs.openSync(partial, 'wx', 0o600);
    const writer = await SealedFileWriter.create(fd, input.passphrase);
    writer.push(record('M', manifest));
    const counts: { name: string; rows: number }[] = [];
    for (const table of tables) {
      writer.push(record('T', { name: table.name, columns: table.columns }));
      const stream = client.query(copyTo(`COPY (${selectFor(table)}) TO STDOUT (FORMAT binary)`));
      let pending: Buffer[] = [];
      let pendingLength = 0;
      let bytes = 0;
      const flush = () => {
        if (!pendingLength) return;
        writer.push(record('D', Buffer.concat(pending)));
        pending = [];
        pendingLength = 0;
      };
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (Math.floor((bytes + chunk.length) / PROGRESS_EVERY) > Math.floor(bytes / PROGRESS_EVERY)) progress(`${table.name}: ${Math.floor((bytes + chunk.length) / MiB)} MiB…`);
        bytes += chunk.length;
        for (let off = 0; off < chunk.length; off += DATA_RECORD) {
          const piece = chunk.subarray(off, off + DATA_RECORD);
          pending.push(piece);
          pendingLength += piece.length;
          if (pendingLength >= DATA_RECORD) flush();
        }
      }
      flush();
      const rows = stream.rowCount;
      writer.push(record('E', { name: table.name, rows }));
      counts.push({ name: table.name, rows });
      progress(`${table.name}: ${rows} rows (${bytes} bytes)`);
    }
    writer.push(record('Z', { tables: Object.fromEntries(counts.map((c) => [c.name, c.rows])) }));
    writer.finish();
    await client.query('COMMIT');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    // A complete file appears under its name, or none does.
    fs.linkSync(partial, out);
    fs.rmSync(partial);
    return { file: out, bytes: writer.bytesWritten, migrations: migrations.rows.length, tables: counts };
  } catch (err) {
    if (fd !== undefined) {
      fs.closeSync(fd);
      fs.rmSync(partial, { force: true });
    }
    throw err;
  } finally {
    await client.end().catch(() => {});
  }
}
