import type { z } from 'zod';
import { isServiceError } from '@/lib/errors';

/**
 * What a Server Action hands back to its form (useActionState): a summary message,
 * one message per field (rendered next to the field, in an aria-live region) and,
 * on success, whatever the page should show once (e.g. generated passwords).
 */
export interface FormState<T = unknown> {
  ok?: boolean;
  message?: string;
  fieldErrors?: Record<string, string>;
  data?: T;
  /** What was submitted, echoed back after a failure so the form keeps the user's input. */
  values?: Record<string, string>;
  /** Bumped on every success so a form can reset itself. */
  done?: number;
}

export const EMPTY: FormState = {};

/** The first message per field of a failed zod parse; paths join with "." ("bruteForce.maxFailures"). */
export function fromZodError(error: z.ZodError, message = 'Please correct the highlighted fields.'): FormState<never> {
  const fieldErrors: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || '_form';
    fieldErrors[key] ??= issue.message;
  }
  return { ok: false, message, fieldErrors };
}

/**
 * A ServiceError becomes form state (a field error when it names a field); anything
 * else is rethrown so Next's error boundary shows a generic failure and the server
 * logs it — internals never reach the browser.
 */
export function fromError(err: unknown): FormState<never> {
  if (isServiceError(err)) {
    return err.field
      ? { ok: false, message: 'Please correct the highlighted fields.', fieldErrors: { [err.field]: err.message } }
      : { ok: false, message: err.message };
  }
  throw err;
}

/**
 * The submitted text fields, for FormState.values. Files, Next's $ACTION_ keys and
 * secrets (passwords, codes) are left out: they are never sent back to the browser.
 */
export function echo(formData: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of formData) {
    if (typeof value === 'string' && !key.startsWith('$ACTION') && !/password|code|secret|csv/i.test(key)) out[key] = out[key] === undefined ? value : `${out[key]}\n${value}`;
  }
  return out;
}

export function success<T>(message: string, data?: T): FormState<T> {
  return { ok: true, message, data, done: Date.now() };
}
