import { cn } from './cn';

/**
 * A labelled form control with its hint and its error. The control gets
 * `id`, `aria-describedby` and `aria-invalid` from the render prop, so the
 * error is announced and tied to the field.
 */
export function Field({
  id,
  label,
  hint,
  error,
  className,
  children,
}: {
  id: string;
  label: string;
  hint?: React.ReactNode;
  error?: string;
  className?: string;
  children: (control: { id: string; 'aria-describedby': string; 'aria-invalid': boolean }) => React.ReactNode;
}) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <div className={cn('space-y-1', className)}>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      {children({ id, 'aria-describedby': `${hintId} ${errorId}`, 'aria-invalid': Boolean(error) })}
      {hint ? (
        <p id={hintId} className="text-xs text-muted">
          {hint}
        </p>
      ) : null}
      <p id={errorId} aria-live="polite" className="text-sm text-danger" data-field-error={id}>
        {error ?? ''}
      </p>
    </div>
  );
}
