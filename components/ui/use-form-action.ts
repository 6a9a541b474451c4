'use client';

import { startTransition, useActionState, useState } from 'react';

export interface FormActionOptions {
  /**
   * What the form shows once the server accepts it. 'keep' (the default): what was
   * submitted stays, as an edit form shows what is now saved. 'clear': the form starts
   * over, as a form that adds things on the page it stays on, or that takes a secret,
   * should. A refusal always keeps what was typed.
   */
  afterSuccess?: 'keep' | 'clear';
}

const succeeded = (state: unknown) => typeof state === 'object' && state !== null && (state as { ok?: unknown }).ok === true;

/**
 * The one way a panel form talks to its Server Action (useActionState underneath).
 * React resets a form after every `action` submit, refusals included, and that reset
 * also snaps controlled <select>s and radios back to their first rendered option.
 * Submitting from onSubmit (preventDefault + dispatch) skips the reset; `action` stays
 * on the form so it still posts without JavaScript. Put `key` on the <form>: it changes
 * only after a success with afterSuccess 'clear', remounting the form empty (its
 * controlled fields too, when their state lives inside it).
 *
 * useFormStatus does not see a submit dispatched this way: give `pending` to the
 * SubmitButton.
 */
export function useFormAction<S>(
  action: (state: Awaited<S>, formData: FormData) => S | Promise<S>,
  initial: Awaited<S>,
  { afterSuccess = 'keep' }: FormActionOptions = {},
) {
  const [state, dispatch, pending] = useActionState(action, initial);
  const [seen, setSeen] = useState(state);
  const [key, setKey] = useState(0);
  // A new answer from the server: React's "adjust state when a value changes", during render.
  if (seen !== state) {
    setSeen(state);
    if (afterSuccess === 'clear' && succeeded(state)) setKey((k) => k + 1);
  }
  const onSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    // The clicked button's name and value too, as a native submit would send them.
    const formData = new FormData(event.currentTarget, (event.nativeEvent as SubmitEvent).submitter);
    startTransition(() => dispatch(formData));
  };
  return { state, action: dispatch, onSubmit, pending, key };
}
