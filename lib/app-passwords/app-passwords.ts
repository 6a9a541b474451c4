import type { Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { audit } from '@/lib/audit/audit';
import { hashPassword, verifyPassword } from '@/lib/auth/password';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { conflictOnDuplicate, ServiceError } from '@/lib/errors';
import { generateAppPassword, normalizeAppPassword } from './format';

type MailboxActor = Extract<Actor, { kind: 'mailbox' }>;

/** A device may hold one; a login tries each, so the count is bounded. */
export const MAX_APP_PASSWORDS = 10;

export interface AppPasswordDto {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const dto = { id: true, name: true, createdAt: true, lastUsedAt: true } as const;

export function listAppPasswords(db: Db, actor: MailboxActor): Promise<AppPasswordDto[]> {
  return db.appPassword.findMany({ where: { mailboxId: actor.id }, select: dto, orderBy: { createdAt: 'asc' } });
}

/** A new app password for one device; the clear text is returned once and only its argon2id hash is kept. */
export async function createAppPassword(db: Db, actor: MailboxActor, input: { name: string }): Promise<AppPasswordDto & { password: string }> {
  const name = input.name.trim();
  if (!name || name.length > 64) throw new ServiceError('invalid', 'name the device (at most 64 characters)', 'name');
  const password = generateAppPassword();
  const passwordHash = await hashPassword(normalizeAppPassword(password)!);
  const row = await conflictOnDuplicate(
    () =>
      db.$transaction(async (tx) => {
        if ((await tx.appPassword.count({ where: { mailboxId: actor.id } })) >= MAX_APP_PASSWORDS) {
          throw new ServiceError('invalid', `at most ${MAX_APP_PASSWORDS} app passwords; revoke one first`, 'name');
        }
        const created = await tx.appPassword.create({ data: { mailboxId: actor.id, name, passwordHash }, select: dto });
        await audit(tx, actor, 'mailbox.app_password.created', actor.address, undefined, { name }, actor.ip);
        return created;
      }),
    'name',
    'a device of that name already has an app password',
  );
  return { ...row, password };
}

/**
 * Revokes one app password: the next login with it fails, and the daemons are told (directory
 * channel, `credentials: 'app-password'`) so sessions opened with it end.
 */
export async function revokeAppPassword(db: Db, actor: MailboxActor, input: { id: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const gone = await tx.appPassword.deleteMany({ where: { id: input.id, mailboxId: actor.id } });
    if (!gone.count) throw new ServiceError('not_found', 'no such app password');
    await audit(tx, actor, 'mailbox.app_password.revoked', actor.address, undefined, { id: input.id }, actor.ip);
    await announce(tx, CHANNELS.directory, { kind: 'mailbox', id: actor.id, credentials: 'app-password', appPasswordId: input.id });
  });
}

/**
 * The id of the mailbox's app password `password` is, or null. Only input of an app password's
 * shape is tried; its last use is noted (for the owner's list).
 */
export async function matchAppPassword(db: Db, mailboxId: string, password: string): Promise<string | null> {
  if (!normalizeAppPassword(password)) return null;
  const rows = await db.appPassword.findMany({ where: { mailboxId }, select: { id: true, passwordHash: true }, take: MAX_APP_PASSWORDS });
  const id = await appPasswordAmong(rows, password);
  if (id) await db.appPassword.updateMany({ where: { id }, data: { lastUsedAt: new Date() } });
  return id;
}

/**
 * Which of the given app passwords (at most MAX_APP_PASSWORDS of one mailbox, read by the
 * caller) `password` is, or null; each is one argon2 verification, tried in turn. Input not of
 * an app password's shape tries none. The caller notes the last use.
 */
export async function appPasswordAmong(rows: { id: string; passwordHash: string }[], password: string): Promise<string | null> {
  const normalized = normalizeAppPassword(password);
  if (!normalized) return null;
  for (const row of rows.slice(0, MAX_APP_PASSWORDS)) {
    if (await verifyPassword(row.passwordHash, normalized)) return row.id;
  }
  return null;
}
