import type pg from 'pg';
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import type { Db } from '@/lib/db/prisma';
import { allowedSenders, resolveRecipient } from '@/lib/directory';
import { recordClientTls } from '@/lib/tls-stats/record';
import { normalizeAddress } from '@/lib/validations/address';
import type { AcceptInput, AuthResult, AuthUser, RecipientLookup, SmtpBackend } from '../smtp/backend';
import type { TlsFacts } from '../smtp/received';
import type { PolicyCache } from '../services/policy-cache';
import { acceptMessage } from './accept';

/** SmtpBackend on Postgres: lib/directory for recipients, lib/auth for AUTH, the mail store for delivery. */
export class PostgresSmtpBackend implements SmtpBackend {
  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly policies: PolicyCache,
  ) {}

  policy(domainId?: string | null) {
    return this.policies.get(domainId);
  }

  async authenticate(input: { username: string; password: string; ip: string; tls?: TlsFacts | null }): Promise<AuthResult> {
    const r = await verifyMailboxLogin(this.db, { address: input.username, password: input.password, ip: input.ip, service: 'smtp' });
    if (r.ok) {
      // TLS statistics (tls_client_logins): which TLS this mailbox's submission client used; never fails the login.
      await recordClientTls(this.pool, {
        mailboxId: r.mailbox.id,
        service: 'submission',
        tlsVersion: input.tls?.version ?? null,
        cipher: input.tls?.cipher ?? null,
        clientIp: input.ip,
      }).catch(() => {});
    }
    return r.ok ? { ok: true, user: { mailboxId: r.mailbox.id, address: r.mailbox.address, domainId: r.mailbox.domainId } } : r;
  }

  async ownsAddress(user: AuthUser, address: string): Promise<boolean> {
    let a;
    try {
      a = normalizeAddress(address);
    } catch {
      return false;
    }
    const allowed = new Set((await allowedSenders(this.db, user.address)).map((s) => s.toLowerCase()));
    if (allowed.has(a.address)) return true;
    // alice+tag@example.com is alice's too (RFC 5233 subaddress, policy delimiter).
    const delim = (await this.policies.get(user.domainId)).recipientDelimiter;
    const at = a.address.lastIndexOf('@');
    const local = a.address.slice(0, at);
    const cut = delim ? local.indexOf(delim) : -1;
    return cut > 0 && allowed.has(`${local.slice(0, cut)}${a.address.slice(at)}`);
  }

  async lookupRecipient(address: string, sizeHint: number | null): Promise<RecipientLookup> {
    const delimiterFor = async (domainId: string) => (await this.policies.get(domainId)).recipientDelimiter;
    const r = await resolveRecipient(this.db, address, delimiterFor, { messageBytes: sizeHint ?? 0 });
    switch (r.status) {
      case 'ok':
        return { kind: 'local', mailboxes: r.mailboxes.map((m) => ({ id: m.id, domainId: m.domainId })), forwards: r.remote };
      case 'not_local':
        return { kind: 'remote' };
      default:
        return { kind: r.status };
    }
  }

  accept(input: AcceptInput): Promise<void> {
    return acceptMessage(this.pool, input);
  }
}
