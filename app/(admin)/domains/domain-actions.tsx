'use client';

import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Checkbox } from '@/components/ui/input';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import { removeDomainAction, setDomainEnabledAction } from './actions';

export function DomainRowActions({ name, displayName, enabled, mailboxCount }: { name: string; displayName: string; enabled: boolean; mailboxCount: number }) {
  const { state, action, onSubmit, pending } = useFormAction(setDomainEnabledAction, {});
  return (
    <div className="flex items-center justify-end gap-2">
      <form action={action} onSubmit={onSubmit}>
        <input type="hidden" name="name" value={name} />
        <input type="hidden" name="enabled" value={enabled ? 'false' : 'true'} />
        <SubmitButton variant="secondary" size="sm" pending={pending}>
          {enabled ? 'Disable' : 'Enable'}
        </SubmitButton>
        {state.ok === false ? <span role="alert" className="ml-2 text-xs text-danger">{state.message}</span> : null}
      </form>
      <ConfirmDialog
        id={`remove-${name}`}
        trigger="Delete"
        title={`Delete ${displayName}?`}
        confirmLabel={`Delete ${displayName}`}
        action={removeDomainAction}
        fields={{ name }}
        body={
          mailboxCount > 0 ? (
            <>
              <strong className="text-danger">{displayName} still has {mailboxCount.toLocaleString('en')} mailbox(es).</strong> Deleting the
              domain deletes them and their mail, and its aliases. This cannot be undone.
            </>
          ) : (
            <>The domain and its aliases are deleted. This cannot be undone.</>
          )
        }
      >
        {mailboxCount > 0 ? <Checkbox name="force" label={`Also delete its ${mailboxCount.toLocaleString('en')} mailbox(es)`} /> : null}
      </ConfirmDialog>
    </div>
  );
}
