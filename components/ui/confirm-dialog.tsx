'use client';

import { useEffect, useRef } from 'react';
import type { FormState } from '@/lib/forms/state';
import { Alert } from './alert';
import { Button } from './button';
import { SubmitButton } from './submit-button';
import { useFormAction } from './use-form-action';

/**
 * A button that opens a modal <dialog> asking to confirm. The confirm button submits
 * `action` (a Server Action returning FormState) with `fields` as hidden inputs; a
 * refusal is shown inside the dialog, success closes it. The dialog names what goes.
 */
export function ConfirmDialog({
  id,
  trigger,
  title,
  body,
  confirmLabel,
  action,
  fields,
  children,
  triggerVariant = 'danger',
}: {
  id: string;
  trigger: string;
  title: string;
  body: React.ReactNode;
  confirmLabel: string;
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  fields: Record<string, string>;
  children?: React.ReactNode;
  triggerVariant?: 'danger' | 'secondary' | 'ghost';
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const { state, action: formAction, onSubmit, pending } = useFormAction(action, {});
  useEffect(() => {
    if (state.ok) ref.current?.close();
  }, [state]);
  return (
    <>
      <Button variant={triggerVariant} size="sm" onClick={() => ref.current?.showModal()} aria-haspopup="dialog">
        {trigger}
      </Button>
      <dialog
        ref={ref}
        aria-labelledby={`${id}-title`}
        className="m-auto w-full max-w-md rounded-lg border border-border bg-surface p-5 text-fg shadow-xl"
      >
        <form action={formAction} onSubmit={onSubmit} className="space-y-4">
          {Object.entries(fields).map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          <h2 id={`${id}-title`} className="text-lg font-semibold">
            {title}
          </h2>
          <div className="text-sm text-muted">{body}</div>
          {children}
          <Alert>{state.ok ? '' : (state.fieldErrors ? Object.values(state.fieldErrors)[0] : undefined) ?? state.message}</Alert>
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => ref.current?.close()}>
              Cancel
            </Button>
            <SubmitButton variant="danger" pending={pending}>
              {confirmLabel}
            </SubmitButton>
          </div>
        </form>
      </dialog>
    </>
  );
}
