import { domainIdWhere, type Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';

/** The protocols whose logins the daemons record (tls_client_logins, lib/tls-stats/record.ts). */
export const LOGIN_SERVICES = ['imap', 'pop3', 'submission'] as const;
export type LoginService = (typeof LOGIN_SERVICES)[number];

export interface MailboxActivity {
  /** The newest successful login per protocol; absent: none recorded. */
  lastLogin: Partial<Record<LoginService, Date>>;
  messages: number;
  /** The newest password change in the audit log (by an admin, the CLI or the owner); null: unchanged since creation. */
  passwordChangedAt: Date | null;
}

/**
 * Last login per protocol, message count and last password change of the given mailboxes,
 * in three grouped queries for a whole page of the list. Mailboxes outside the actor's
 * domains are left out.
 */
export async function mailboxActivity(db: Db, actor: Actor, ids: string[]): Promise<Map<string, MailboxActivity>> {
  const out = new Map<string, MailboxActivity>();
  if (ids.length === 0) return out;
  const mailboxes = await db.mailbox.findMany({ where: { id: { in: ids }, ...domainIdWhere(actor) }, select: { id: true, address: true } });
  if (mailboxes.length === 0) return out;
  const inScope = mailboxes.map((m) => m.id);
  const [logins, counts, passwords] = await Promise.all([
    db.tlsClientLogin.groupBy({ by: ['mailboxId', 'service'], where: { mailboxId: { in: inScope } }, _max: { lastAt: true } }),
    db.$queryRaw<{ mailbox_id: string; messages: bigint }[]>`
      SELECT f.mailbox_id, count(m.id) AS messages
        FROM mail_folders f JOIN mail_messages m ON m.folder_id = f.id
       WHERE f.mailbox_id = ANY(${inScope}::uuid[])
       GROUP BY f.mailbox_id`,
    db.auditLog.groupBy({ by: ['target'], where: { action: 'mailbox.password', target: { in: mailboxes.map((m) => m.address) } }, _max: { at: true } }),
  ]);
  const changed = new Map(passwords.map((p) => [p.target, p._max.at]));
  for (const m of mailboxes) out.set(m.id, { lastLogin: {}, messages: 0, passwordChangedAt: changed.get(m.address) ?? null });
  for (const l of logins) {
    const service = l.service as LoginService;
    if (LOGIN_SERVICES.includes(service) && l._max.lastAt) out.get(l.mailboxId)!.lastLogin[service] = l._max.lastAt;
  }
  for (const c of counts) out.get(c.mailbox_id)!.messages = Number(c.messages);
  return out;
}


export interface MailboxRelations {
  /** Aliases (and catch-alls) that deliver to this address. */
  aliases: { source: string; enabled: boolean }[];
  /** Its S/MIME certificates, newest first. */
  smime: { id: string; serial: string; notAfter: Date; revoked: boolean }[];
}

/** What points at a mailbox, for its page: the aliases forwarding to it and its S/MIME certificates. */
export async function mailboxRelations(db: Db, actor: Actor, mailbox: { id: string; address: string }): Promise<MailboxRelations> {
  const [aliases, smime] = await Promise.all([
    db.alias.findMany({ where: { destinations: { has: mailbox.address }, ...domainIdWhere(actor) }, select: { source: true, enabled: true }, orderBy: { source: 'asc' }, take: 200 }),
    db.smimeCertificate.findMany({
      where: { mailboxId: mailbox.id, mailbox: domainIdWhere(actor) },
      select: { id: true, serial: true, notAfter: true, revokedAt: true },
      orderBy: { createdAt: 'desc' },
      take: 20,
    }),
  ]);
  return { aliases, smime: smime.map((s) => ({ id: s.id, serial: s.serial, notAfter: s.notAfter, revoked: s.revokedAt !== null })) };
}
