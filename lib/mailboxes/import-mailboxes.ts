import { type Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { auditMany } from '@/lib/audit/audit';
import { hashPassword } from '@/lib/auth/password';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { findDomainInScope, type ScopedDomain } from '@/lib/domains/scope';
import { isServiceError, ServiceError } from '@/lib/errors';
import { getEffectivePolicy } from '@/lib/policy/get-policy';
import type { Policy } from '@/lib/policy/schema';
import { normalizeAddress } from '@/lib/validations/address';
import { checkPassword, describePasswordProblem, generatePassword } from '@/lib/validations/password';
import { parseQuota } from '@/lib/validations/quota';
import { cleanName } from './create-mailbox';
import { parseCsv } from './csv';

export const MAX_IMPORT_ROWS = 10_000;
const COLUMNS = ['address', 'name', 'quota', 'password'] as const;

export interface ImportRow {
  line: number;
  address: string;
  name: string | null;
  quotaBytes: number | null;
  /** False: a password will be (or was) generated. */
  passwordGiven: boolean;
  errors: { field: string; message: string }[];
  /** Only after a real import, only for generated passwords: show or offer for download once. */
  generatedPassword?: string;
}

export interface ImportResult {
  dryRun: boolean;
  /** Every row valid (and, when not a dry run, all created). */
  ok: boolean;
  created: number;
  rows: ImportRow[];
}

/**
 * Imports mailboxes from CSV (address, name, quota, password; header optional).
 * Every row is validated with the same rules as createMailbox, errors reported per
 * row. All or nothing: with any bad row, a real import creates none.
 */
export async function importMailboxes(db: Db, actor: Actor, input: { csv: string; dryRun?: boolean }): Promise<ImportResult> {
  const dryRun = input.dryRun ?? false;
  let records = parseCsv(input.csv);
  let index: Record<(typeof COLUMNS)[number], number> = { address: 0, name: 1, quota: 2, password: 3 };
  if (records[0]?.cells.some((c) => c.trim().toLowerCase() === 'address')) {
    const header = records[0].cells.map((c) => c.trim().toLowerCase());
    index = Object.fromEntries(COLUMNS.map((col) => [col, header.indexOf(col)])) as typeof index;
    records = records.slice(1);
  }
  if (records.length === 0) throw new ServiceError('invalid', 'the file has no rows', 'file');
  if (records.length > MAX_IMPORT_ROWS) throw new ServiceError('invalid', `at most ${MAX_IMPORT_ROWS} rows per import`, 'file');

  const domains = new Map<string, ScopedDomain | ServiceError>();
  const policies = new Map<string, Policy>();
  const seen = new Set<string>();
  const rows: (ImportRow & { domainId?: string; localPart?: string; password?: string })[] = [];

  for (const { line, cells } of records) {
    const cell = (col: (typeof COLUMNS)[number]) => (index[col] >= 0 ? (cells[index[col]] ?? '').trim() : '');
    const row: (typeof rows)[number] = { line, address: cell('address'), name: null, quotaBytes: null, passwordGiven: false, errors: [] };
    const fail = (err: unknown) => {
      if (!isServiceError(err)) throw err;
      row.errors.push({ field: err.field ?? 'row', message: err.message });
    };
    try {
      const a = normalizeAddress(row.address);
      row.address = a.address;
      row.localPart = a.localPart;
      if (seen.has(a.address)) throw new ServiceError('conflict', `${a.address} appears twice in the file`, 'address');
      seen.add(a.address);
      if (!domains.has(a.domain)) {
        domains.set(a.domain, await findDomainInScope(db, actor, a.domain, 'address').catch((e) => (isServiceError(e) ? e : Promise.reject(e))));
      }
      const d = domains.get(a.domain)!;
      if (d instanceof ServiceError) throw d;
      row.domainId = d.id;
      if (!policies.has(d.id)) policies.set(d.id, await getEffectivePolicy(db, d.id));
    } catch (err) {
      fail(err);
    }
    const policy = row.domainId ? policies.get(row.domainId)! : undefined;
    try {
      row.name = cleanName(cell('name'));
    } catch (err) {
      fail(err);
    }
    try {
      row.quotaBytes = cell('quota') ? parseQuota(cell('quota')) : (policy?.defaultQuotaBytes ?? null);
    } catch (err) {
      fail(err);
    }
    const password = cells[index.password] ?? ''; // passwords are not trimmed: spaces may be meant
    if (index.password >= 0 && password !== '') {
      row.passwordGiven = true;
      row.password = password;
      if (policy) {
        const problems = checkPassword(password, policy.password, row.address);
        if (problems.length) {
          row.errors.push({ field: 'password', message: `too weak: ${problems.map((p) => describePasswordProblem(p, policy.password)).join('; ')}` });
        }
      }
    }
    rows.push(row);
  }

  // Existing addresses, in one query each for mailboxes and aliases.
  const addresses = rows.filter((r) => r.domainId).map((r) => r.address);
  const taken = new Set([
    ...(await db.mailbox.findMany({ where: { address: { in: addresses } }, select: { address: true } })).map((m) => m.address),
    ...(await db.alias.findMany({ where: { source: { in: addresses } }, select: { source: true } })).map((a) => a.source),
  ]);
  for (const r of rows) if (taken.has(r.address)) r.errors.push({ field: 'address', message: `${r.address} already exists` });

  const ok = rows.every((r) => r.errors.length === 0);
  const publicRows = (withPasswords: boolean): ImportRow[] =>
    rows.map(({ line, address, name, quotaBytes, passwordGiven, errors, password }) => ({
      line,
      address,
      name,
      quotaBytes,
      passwordGiven,
      errors,
      ...(withPasswords && !passwordGiven ? { generatedPassword: password } : {}),
    }));
  if (dryRun || !ok) return { dryRun, ok, created: 0, rows: publicRows(false) };

  for (const r of rows) r.password ??= generatePassword();
  const hashes = await mapLimit(rows, 4, (r) => hashPassword(r.password!)); // argon2 runs on libuv's 4 threads
  await db.$transaction(
    async (tx) => {
      await tx.mailbox.createMany({
        data: rows.map((r, i) => ({
          domainId: r.domainId!,
          localPart: r.localPart!,
          address: r.address,
          displayName: r.name,
          quotaBytes: r.quotaBytes!,
          passwordHash: hashes[i],
        })),
      });
      await auditMany(
        tx,
        actor,
        rows.map((r) => ({
          action: 'mailbox.create',
          target: r.address,
          after: { address: r.address, displayName: r.name, quotaBytes: r.quotaBytes, enabled: true, via: 'import' },
        })),
      );
      await announce(tx, CHANNELS.directory, { kind: 'mailbox', id: null });
    },
    { timeout: 120_000 },
  );
  return { dryRun, ok, created: rows.length, rows: publicRows(true) };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}
