'use client';

import { Alert } from '@/components/ui/alert';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import { bounceQueueAction, removeQueueAction, retryQueueAction } from '../actions';

/** Retry now (no confirmation: it only moves the next attempt), Bounce and Delete (confirmed). */
export function MessageActions({ queueId, waiting, mailFrom }: { queueId: string; waiting: number; mailFrom: string }) {
  const { state: retry, action: retryAction, onSubmit, pending } = useFormAction(retryQueueAction, {});
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2">
        {waiting ? (
          <>
            <form action={retryAction} onSubmit={onSubmit}>
              <input type="hidden" name="queueId" value={queueId} />
              <SubmitButton size="sm" pendingText="Retrying…" pending={pending}>
                Retry now
              </SubmitButton>
            </form>
            <ConfirmDialog
              id="bounce-message"
              trigger="Bounce"
              triggerVariant="secondary"
              title={`Bounce ${queueId}?`}
              confirmLabel="Bounce to sender"
              action={bounceQueueAction}
              fields={{ queueId }}
              body={
                <>
                  Delivery stops for the {waiting} waiting recipient{waiting === 1 ? '' : 's'}, and{' '}
                  {mailFrom ? (
                    <>
                      <strong className="text-fg">{mailFrom}</strong> gets a delivery status notice saying the message was not delivered.
                    </>
                  ) : (
                    'since this is itself a notice (null sender), no further notice is sent.'
                  )}
                </>
              }
            />
          </>
        ) : null}
        <ConfirmDialog
          id="delete-message"
          trigger="Delete"
          title={`Delete ${queueId} from the queue?`}
          confirmLabel="Delete from queue"
          action={removeQueueAction}
          fields={{ queueId }}
          body={
            <>
              The message is dropped for every recipient still listed, <strong className="text-fg">without telling its sender</strong>, and its
              delivery history goes with it. This cannot be undone.
            </>
          }
        />
      </div>
      <Alert tone="ok">{retry.ok ? retry.message : undefined}</Alert>
      <Alert>{retry.ok === false ? (retry.fieldErrors ? Object.values(retry.fieldErrors)[0] : retry.message) : undefined}</Alert>
    </div>
  );
}
