'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { db } from '@/lib/dal/db';
import { requireAdmin } from '@/lib/dal/session';
import { fromError, fromZodError, success, type FormState } from '@/lib/forms/state';
import { bounceNow, queueTargetSchema, removeFromQueue, retryNow, type QueueActionResult, type QueueTarget } from '@/lib/queue';

// Thin: requireAdmin() → zod safeParse → lib/queue service → revalidatePath. The services
// check scope again (a domain admin's unknown or foreign queue id is "not found").

/** The form's target: the message (`queueId`), optionally narrowed to `recipientId` values. */
function target(fd: FormData): unknown {
  const queueId = fd.get('queueId');
  const recipientIds = fd.getAll('recipientId').filter((v): v is string => typeof v === 'string' && v !== '');
  return { queueId: typeof queueId === 'string' && queueId ? queueId : undefined, recipientIds: recipientIds.length ? recipientIds : undefined };
}

/** Runs after the caller's requireAdmin(): parse the target, call the service, refresh the pages. */
async function act(
  fd: FormData,
  service: (input: QueueTarget) => Promise<QueueActionResult>,
  message: (r: QueueActionResult) => string,
): Promise<FormState> {
  const parsed = queueTargetSchema.safeParse(target(fd));
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    const r = await service(parsed.data);
    revalidatePath('/queue');
    for (const id of r.queueIds) revalidatePath(`/queue/${encodeURIComponent(id)}`);
    revalidatePath('/');
    return success(message(r));
  } catch (err) {
    return fromError(err);
  }
}

const recipients = (r: QueueActionResult) => `${r.recipients.length} recipient${r.recipients.length === 1 ? '' : 's'}`;

export async function retryQueueAction(_prev: FormState, fd: FormData): Promise<FormState> {
  const admin = await requireAdmin();
  return act(fd, (input) => retryNow(db(), admin, input), (r) => `Retrying ${recipients(r)} now.`);
}

export async function bounceQueueAction(_prev: FormState, fd: FormData): Promise<FormState> {
  const admin = await requireAdmin();
  return act(fd, (input) => bounceNow(db(), admin, input), (r) => `Returning the message to its sender for ${recipients(r)}.`);
}

export async function removeQueueAction(_prev: FormState, fd: FormData): Promise<FormState> {
  const admin = await requireAdmin();
  const state = await act(fd, (input) => removeFromQueue(db(), admin, input), (r) => `Removed ${r.queueIds.join(', ')}.`);
  if (!state.ok) return state;
  const queueId = fd.get('queueId');
  redirect(`/queue?removed=${encodeURIComponent(typeof queueId === 'string' ? queueId : '')}`);
}
