// zod schemas for the queue and the delivery log: the panel's actions, the CLI and the
// services parse with the same ones, so every entry point accepts exactly the same ids.
import { z } from 'zod';
import { ServiceError } from '@/lib/errors';

export { likeContains, likeExact } from '@/lib/validations/like';

export const OUTBOUND_STATUSES = ['QUEUED', 'DEFERRED', 'SENT', 'BOUNCED'] as const;
export type OutboundStatusName = (typeof OUTBOUND_STATUSES)[number];

/** What the queue shows unless asked otherwise: everything not delivered (waiting, deferred, failed). */
export const DEFAULT_STATUSES: readonly OutboundStatusName[] = ['QUEUED', 'DEFERRED', 'BOUNCED'];

/** The SMTP queue id the daemon hands out ("queued as …"), or a notice's "<id>.dsn". */
export const queueIdSchema = z
  .string()
  .trim()
  .min(1, 'enter a queue id')
  .max(64, 'a queue id is at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'not a queue id');

export const recipientIdsSchema = z.array(z.uuid('not a recipient id')).min(1).max(1000, 'at most 1000 recipients at once');

/** One message (queueId), some of its recipients, or recipients by id alone. */
export const queueTargetSchema = z
  .object({ queueId: queueIdSchema.optional(), recipientIds: recipientIdsSchema.optional() })
  .refine((v) => v.queueId !== undefined || v.recipientIds !== undefined, { message: 'give a queue id or recipient ids', path: ['queueId'] });
export type QueueTarget = z.infer<typeof queueTargetSchema>;

const UNIT_SECONDS = { m: 60, h: 3600, d: 86400, w: 604800 } as const;

/** "90m", "4h", "2d", "1w" → seconds; what the age filter takes in the URL and on the command line. */
export const ageSchema = z
  .string()
  .trim()
  .regex(/^\d{1,5}\s*[mhdw]$/i, 'an age is a number and a unit: 30m, 4h, 2d, 1w')
  .transform((v) => Number.parseInt(v, 10) * UNIT_SECONDS[v.slice(-1).toLowerCase() as keyof typeof UNIT_SECONDS]);

const text = (max: number) => z.string().trim().max(max, `at most ${max} characters`);

export const listQueueSchema = z.object({
  status: z.array(z.enum(OUTBOUND_STATUSES)).max(4).optional(),
  sender: text(320).optional(),
  recipientDomain: text(253).toLowerCase().optional(),
  /** Only messages queued at least this many seconds ago. */
  olderThan: z.number().int().min(0).max(10 * 365 * 86400).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(500).optional(),
});
export type ListQueueInput = z.input<typeof listQueueSchema>;

export const searchDeliveriesSchema = z.object({
  sender: text(320).optional(),
  recipient: text(320).optional(),
  queueId: queueIdSchema.optional(),
  /** With or without its angle brackets. */
  messageId: text(998).optional(),
  clientIp: text(64).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(500).optional(),
});
export type SearchDeliveriesInput = z.input<typeof searchDeliveriesSchema>;

/** Parses service input; the first problem becomes a field-level ServiceError (the CLI prints "field: message"). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, field?: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ServiceError('invalid', issue.message, [field, ...issue.path.map(String)].filter(Boolean).join('.') || undefined);
}

