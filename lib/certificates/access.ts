import { isGlobal, type Actor } from '@/lib/actor';
import { ServiceError } from '@/lib/errors';

/**
 * Server certificates and CAs belong to the whole server: only global admins (and
 * the CLI / the system) manage them. S/MIME certificates follow mailbox scope instead.
 */
export function requireGlobalActor(actor: Actor): void {
  if (!isGlobal(actor)) throw new ServiceError('forbidden', 'only global admins manage server certificates');
}
