'use client';

import { startTransition, useActionState } from 'react';

/**
 * useActionState for forms that must keep what was typed when the server refuses it.
 * React resets a form after every `action` submit, and that reset also snaps
 * controlled <select>s back to their first rendered option. Submitting from onSubmit
 * (preventDefault + dispatch) skips the reset; `action` stays on the form so it still
 * posts without JavaScript.
 */
export function useFormAction<S>(action: (state: Awaited<S>, formData: FormData) => S | Promise<S>, initial: Awaited<S>) {
  const [state, dispatch, pending] = useActionState(action, initial);
  const onSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formData = new FormData(event.currentTarget);
    startTransition(() => dispatch(formData));
  };
  return { state, action: dispatch, onSubmit, pending };
}
