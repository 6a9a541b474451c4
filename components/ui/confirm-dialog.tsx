'use client';

import { useRef } from 'react';
import { Button } from './button';

/**
 * A button that opens a modal <dialog> asking to confirm; the confirm button
 * submits `action` with `fields` as hidden inputs. The dialog names what goes.
 */
export function ConfirmDialog({
  trigger,
  title,
  body,
  confirmLabel,
  action,
  fields,
  children,
  triggerVariant = 'danger',
}: {
  trigger: string;
  title: string;
  body: React.ReactNode;
  confirmLabel: string;
  action: (formData: FormData) => void | Promise<void>;
  fields: Record<string, string>;
  children?: React.ReactNode;
  triggerVariant?: 'danger' | 'secondary' | 'ghost';
}) {
  const ref = useRef<HTMLDialogElement>(null);
  return (
    <>
      <Button variant={triggerVariant} size="sm" onClick={() => ref.current?.showModal()}>
        {trigger}
      </Button>
      <dialog
        ref={ref}
        aria-labelledby={`${fields.id ?? 'confirm'}-title`}
        className="m-auto w-full max-w-md rounded-lg border border-border bg-surface p-5 text-fg shadow-xl"
      >
        <form action={action} className="space-y-4">
          {Object.entries(fields).map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          <h2 id={`${fields.id ?? 'confirm'}-title`} className="text-lg font-semibold">
            {title}
          </h2>
          <div className="text-sm text-muted">{body}</div>
          {children}
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => ref.current?.close()}>
              Cancel
            </Button>
            <Button type="submit" variant="danger">
              {confirmLabel}
            </Button>
          </div>
        </form>
      </dialog>
    </>
  );
}
