// Who is asking. Every service takes an Actor and narrows its Prisma `where` by it.
export type Actor =
  | { kind: 'admin'; id: string; email: string; role: 'GLOBAL' | 'DOMAIN'; domainIds: string[]; ip?: string }
  | { kind: 'cli'; user: string }
  /** A mailbox owner in the self-service area: rights over its own mailbox only, none in any domain. */
  | { kind: 'mailbox'; id: string; address: string; domainId: string; ip?: string }
  | { kind: 'system' };

export const SYSTEM: Actor = { kind: 'system' };

/** How the audit log names the actor: the admin's email, "cli:<os user>" or "system". */
export function actorName(actor: Actor): string {
  if (actor.kind === 'admin') return actor.email;
  if (actor.kind === 'cli') return `cli:${actor.user}`;
  if (actor.kind === 'mailbox') return `mailbox:${actor.address}`;
  return 'system';
}

/**
 * The CLI and the system act with full rights: whoever can run them can already read the database.
 * A mailbox owner has none here: an admin service handed its actor finds nothing in scope.
 */
export function isGlobal(actor: Actor): boolean {
  if (actor.kind === 'mailbox') return false;
  return actor.kind !== 'admin' || actor.role === 'GLOBAL';
}

/** The domain ids the actor may touch, or null for all. */
export function domainScope(actor: Actor): string[] | null {
  if (actor.kind === 'mailbox') return [];
  return isGlobal(actor) ? null : (actor as Extract<Actor, { kind: 'admin' }>).domainIds;
}

/** Prisma `where` fragment on a row's domainId column. */
export function domainIdWhere(actor: Actor): { domainId?: { in: string[] } } {
  const scope = domainScope(actor);
  return scope ? { domainId: { in: scope } } : {};
}

/** Prisma `where` fragment on the domains table itself. */
export function domainRowWhere(actor: Actor): { id?: { in: string[] } } {
  const scope = domainScope(actor);
  return scope ? { id: { in: scope } } : {};
}
