import { startTransition, type FormEvent } from 'react';

/**
 * onSubmit for forms with controlled inputs (radios, selects that show/hide parts of
 * the form): dispatches the action like `<form action>` does, but without React's
 * automatic form reset, which would put those inputs back to their first option in
 * the DOM while React's state still says otherwise. Keep `action={formAction}` on the
 * form too, so it still works before hydration. Pair with useActionState's `pending`.
 */
export function submitWithoutReset(formAction: (data: FormData) => void) {
  return (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    startTransition(() => formAction(data));
  };
}
