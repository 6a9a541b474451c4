'use client';

import { Alert } from '@/components/ui/alert';
import { SubmitButton } from '@/components/ui/submit-button';
import { Textarea } from '@/components/ui/input';
import { useFormAction } from '@/components/ui/use-form-action';
import type { FormState } from '@/lib/forms/state';

/** An existing alias's destinations; the same loop and unknown-destination checks as a new one. */
export function EditAliasForm({
  action,
  source,
  destinations,
}: {
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  source: string;
  destinations: string[];
}) {
  const { state, action: formAction, onSubmit, pending } = useFormAction(action, {} as FormState);
  const id = `edit-${source.replace(/[^a-z0-9]/gi, '-')}`;
  const error = state.fieldErrors?.destinations;
  return (
    <form action={formAction} onSubmit={onSubmit} className="mt-2 space-y-2" aria-label={`Destinations of ${source}`}>
      <input type="hidden" name="source" value={source} />
      <label htmlFor={id} className="sr-only">
        Delivers to
      </label>
      <Textarea
        id={id}
        name="destinations"
        rows={Math.min(Math.max(destinations.length, 2), 8)}
        spellCheck={false}
        className="font-mono text-xs"
        defaultValue={state.values?.destinations ?? destinations.join('\n')}
        aria-invalid={Boolean(error)}
        aria-describedby={`${id}-error`}
      />
      <p id={`${id}-error`} aria-live="polite" className="text-sm text-danger" data-field-error="destinations">
        {error ?? ''}
      </p>
      {!error ? <Alert tone={state.ok ? 'ok' : 'danger'}>{state.message}</Alert> : null}
      <SubmitButton size="sm" variant="secondary" pendingText="Saving…" pending={pending}>
        Save
      </SubmitButton>
    </form>
  );
}
