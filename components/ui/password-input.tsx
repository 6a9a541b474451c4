'use client';

import { useId, useState } from 'react';
import {
  checkPassword,
  describePasswordProblem,
  generatePassword,
  passwordClasses,
  type PasswordProblem,
  type PasswordRules,
} from '@/lib/validations/password';
import { Button } from './button';
import { cn } from './cn';
import { Input } from './input';

const RULES: PasswordProblem[] = ['too_short', 'too_few_classes', 'contains_name'];

/** A rough strength estimate for the bar: bits from length × alphabet size. */
function strengthBits(password: string): number {
  const pool = [26, 26, 10, 33].filter((_, i) => passwordClasses(password) > i).reduce((a, b) => a + b, 0) || 1;
  return Math.round(password.length * Math.log2(pool));
}

/**
 * Password field with live feedback against the policy in force (the same
 * checkPassword the server runs), a show/hide toggle and a generate button. The server
 * still decides: a weak password submitted anyway comes back as a field error.
 */
export function PasswordInput({
  id,
  name = 'password',
  rules,
  address,
  error,
  required,
  autoComplete = 'new-password',
  label = 'Password',
  optionalHint,
}: {
  id: string;
  name?: string;
  rules: PasswordRules;
  address?: string;
  error?: string;
  required?: boolean;
  autoComplete?: string;
  label?: string;
  optionalHint?: string;
}) {
  const [value, setValue] = useState('');
  const [visible, setVisible] = useState(false);
  const statusId = useId();
  const problems = value ? checkPassword(value, rules, address) : [];
  const bits = strengthBits(value);
  const ok = value.length > 0 && problems.length === 0;
  const level = !value ? 0 : !ok ? 1 : bits < 70 ? 2 : 3;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <div className="flex gap-2">
        <Input
          id={id}
          name={name}
          type={visible ? 'text' : 'password'}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          autoComplete={autoComplete}
          required={required}
          spellCheck={false}
          aria-invalid={Boolean(error)}
          aria-describedby={`${statusId} ${id}-error`}
          className="font-mono"
        />
        <Button variant="secondary" onClick={() => setVisible((v) => !v)} aria-pressed={visible} aria-controls={id}>
          {visible ? 'Hide' : 'Show'}
        </Button>
        <Button
          variant="secondary"
          onClick={() => {
            setValue(generatePassword());
            setVisible(true);
          }}
        >
          Generate
        </Button>
      </div>
      <div aria-hidden="true" className="flex h-1.5 gap-1">
        {[1, 2, 3].map((i) => (
          <span
            key={i}
            className={cn(
              'flex-1 rounded',
              level >= i ? (level === 1 ? 'bg-danger' : level === 2 ? 'bg-warn' : 'bg-ok') : 'bg-surface-2',
            )}
          />
        ))}
      </div>
      <div id={statusId} aria-live="polite" className="text-xs">
        {!value ? (
          <p className="text-muted">
            {optionalHint ?? 'Required.'} Policy: {describePasswordProblem('too_short', rules)};{' '}
            {describePasswordProblem('too_few_classes', rules)}; not the name before &quot;@&quot;.
          </p>
        ) : (
          <ul className="space-y-0.5" data-testid="password-rules">
            {RULES.map((rule) => {
              const broken = problems.includes(rule);
              return (
                <li key={rule} className={broken ? 'text-danger' : 'text-ok'}>
                  {broken ? '✗' : '✓'} {describePasswordProblem(rule, rules)}
                </li>
              );
            })}
            <li className="text-muted">
              {ok ? (level === 3 ? 'Strong' : 'Acceptable') : 'Too weak'} · about {bits} bits
            </li>
          </ul>
        )}
      </div>
      <p id={`${id}-error`} aria-live="polite" className="text-sm text-danger" data-field-error={id}>
        {error ?? ''}
      </p>
    </div>
  );
}
