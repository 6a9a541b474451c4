'use client';

import { checkPassword, describePasswordProblem, type PasswordRules } from '@/lib/validations/password';

export type Rules = PasswordRules;

/** Live feedback against the password policy — the same rules the server enforces. */
export function PasswordHints({ password, rules, name }: { password: string; rules: Rules; name?: string }) {
  if (!password) {
    return (
      <p className="text-xs text-muted">
        At least {rules.minLength} characters and {rules.minClasses} of: lower-case, upper-case, digits, symbols.
      </p>
    );
  }
  const problems = checkPassword(password, rules, name);
  return (
    <p aria-live="polite" className={problems.length ? 'text-xs text-warn' : 'text-xs text-ok'}>
      {problems.length ? `Still needed: ${problems.map((p) => describePasswordProblem(p, rules)).join('; ')}.` : 'Meets the password policy.'}
    </p>
  );
}
