import type { Actor } from '@/lib/actor';

/** The signed-in mailbox owner every self-service operation acts for (its own mailbox, nothing else). */
export type MailUser = Extract<Actor, { kind: 'mailbox' }>;
