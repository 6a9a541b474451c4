// The directory channel's notice that a mailbox credential changed, as lib/app-passwords,
// lib/self-service and lib/mailboxes send it: { kind: 'mailbox', id, credentials: 'password' }
// or { …, credentials: 'app-password', appPasswordId }. Every listener ends the sessions
// that logged in with that credential.

export interface ChangedCredential {
  mailboxId: string;
  /** The revoked app password, or null: the mailbox password changed. */
  appPasswordId: string | null;
}

/** The changed credential a notice names, or null when it names none (any other directory change). */
export function changedCredential(payload: Record<string, unknown>): ChangedCredential | null {
  if (payload.kind !== 'mailbox' || typeof payload.id !== 'string') return null;
  if (payload.credentials === 'password') return { mailboxId: payload.id, appPasswordId: null };
  if (payload.credentials === 'app-password' && typeof payload.appPasswordId === 'string') return { mailboxId: payload.id, appPasswordId: payload.appPasswordId };
  return null;
}
