// The outbound queue and the delivery log, for the panel, the CLI and tests. Every
// operation takes an Actor: a domain admin sees and acts on mail whose envelope sender's
// or authenticated user's domain is one of theirs; anything else is "not found".
export type { QueuedMessageSummary, QueuePage, RecipientState } from './dto';
export { listQueue } from './list-queue';
export { getQueuedMessage, type AttemptView, type QueuedMessage, type ReceiptView } from './get-queued-message';
export { retryNow } from './retry-now';
export { bounceNow } from './bounce-now';
export { removeFromQueue } from './remove-from-queue';
export type { QueueActionResult } from './target';
export { searchDeliveries, type AttemptEvent, type DeliveryEvent, type DeliveryPage, type ReceivedEvent } from './search-deliveries';
export { countWaiting } from './count-waiting';
export type { HeaderBlock, HeaderField } from './headers';
export {
  ageSchema,
  DEFAULT_STATUSES,
  OUTBOUND_STATUSES,
  queueIdSchema,
  queueTargetSchema,
  type ListQueueInput,
  type OutboundStatusName,
  type QueueTarget,
  type SearchDeliveriesInput,
} from './validations';
export { countSendLimited, SEND_LIMIT_ACTION } from './count-send-limited';
