import 'server-only';
import { isServiceError } from '@/lib/errors';
import {
  getQueuedMessage,
  listQueue,
  searchDeliveries,
  type DeliveryPage,
  type ListQueueInput,
  type QueuedMessage,
  type QueuePage,
  type SearchDeliveriesInput,
} from '@/lib/queue';
import { db } from './db';
import { requireAdmin } from './session';

// The outbound queue and the delivery log. A domain admin sees mail whose envelope sender's or
// authenticated user's domain is one of theirs (lib/queue enforces it in each query).

export type { AttemptView, DeliveryEvent, DeliveryPage, OutboundStatusName, QueuedMessage, QueuePage } from '@/lib/queue';
export { ageSchema, DEFAULT_STATUSES, OUTBOUND_STATUSES } from '@/lib/queue';

/**
 * A page of results, or an empty one and why the filter was refused (shown above the table);
 * global: whether the admin sees every domain's mail (the page says so when not).
 */
export type Filtered<P> = { page: P; problem: string | undefined; global: boolean };

/** One page of the queue. A filter the service refuses is shown as a problem, not thrown. */
export async function getQueuePage(input: ListQueueInput): Promise<Filtered<QueuePage>> {
  const admin = await requireAdmin();
  const global = admin.role === 'GLOBAL';
  return listQueue(db(), admin, input).then(
    (page) => ({ page, problem: undefined, global }),
    (err: unknown) => {
      if (!isServiceError(err)) throw err;
      return { page: { messages: [], next: null }, problem: err.message, global };
    },
  );
}

/** One queued message with its recipients, attempts and headers; null when the admin may not see it or it is gone. */
export async function getQueuedMessageView(queueId: string): Promise<QueuedMessage | null> {
  const admin = await requireAdmin();
  return getQueuedMessage(db(), admin, { queueId }).catch((err: unknown) => {
    if (isServiceError(err)) return null;
    throw err;
  });
}

/** One page of the delivery log. A filter the service refuses is shown as a problem (naming the field), not thrown. */
export async function getDeliveryPage(input: SearchDeliveriesInput): Promise<Filtered<DeliveryPage>> {
  const admin = await requireAdmin();
  const global = admin.role === 'GLOBAL';
  return searchDeliveries(db(), admin, input).then(
    (page) => ({ page, problem: undefined, global }),
    (err: unknown) => {
      if (!isServiceError(err)) throw err;
      return { page: { events: [], next: null }, problem: `${err.field ? `${err.field}: ` : ''}${err.message}`, global };
    },
  );
}
