import { actorName, type Actor } from '@/lib/actor';
import type { DbOrTx } from './types';

// BigInt (quota bytes) is not JSON; audit rows store it as a number.
function toJson(value: unknown): unknown {
  if (value === undefined) return undefined;
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
}

/** JSON with object keys sorted, so two values compare equal whatever order their keys were built in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/**
 * A save that changed nothing: both sides given and equal. Such a row would only bury real
 * changes, so it is not written. Events without a before/after (sign-ins, password changes)
 * and creations or removals (one side missing) are always written.
 */
export function changedNothing(before: unknown, after: unknown): boolean {
  return before !== undefined && after !== undefined && canonical(toJson(before)) === canonical(toJson(after));
}

/**
 * Writes one audit row, unless it records a save that changed nothing (changedNothing). Pass the transaction (`tx`) that made the change so the row
 * exists exactly when the change does. Never pass secrets (hashes, passwords) in before/after.
 */
export async function audit(
  db: DbOrTx,
  actor: Actor,
  action: string,
  target: string | null,
  before?: unknown,
  after?: unknown,
  ip?: string,
): Promise<void> {
  if (changedNothing(before, after)) return;
  await db.auditLog.create({
    data: {
      actor: actorName(actor),
      actorId: actor.kind === 'admin' ? actor.id : null,
      action,
      target,
      before: toJson(before) as never,
      after: toJson(after) as never,
      ip: ip ?? (actor.kind === 'admin' ? (actor.ip ?? null) : null),
    },
  });
}

/** Many rows in one INSERT (bulk imports): same shape as audit(). */
export async function auditMany(
  db: DbOrTx,
  actor: Actor,
  entries: { action: string; target: string | null; before?: unknown; after?: unknown }[],
): Promise<void> {
  const changes = entries.filter((e) => !changedNothing(e.before, e.after));
  if (changes.length === 0) return;
  await db.auditLog.createMany({
    data: changes.map((e) => ({
      actor: actorName(actor),
      actorId: actor.kind === 'admin' ? actor.id : null,
      action: e.action,
      target: e.target,
      before: toJson(e.before) as never,
      after: toJson(e.after) as never,
      ip: actor.kind === 'admin' ? (actor.ip ?? null) : null,
    })),
  });
}
