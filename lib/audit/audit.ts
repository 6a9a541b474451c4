import { actorName, type Actor } from '@/lib/actor';
import type { DbOrTx } from './types';

// BigInt (quota bytes) is not JSON; audit rows store it as a number.
function toJson(value: unknown): unknown {
  if (value === undefined) return undefined;
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
}

/**
 * Writes one audit row. Pass the transaction (`tx`) that made the change so the row
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
  if (entries.length === 0) return;
  await db.auditLog.createMany({
    data: entries.map((e) => ({
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
