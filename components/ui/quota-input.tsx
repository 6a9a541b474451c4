'use client';

import { useState } from 'react';
import { Input, Select } from './input';

const GiB = 1024 ** 3;

/** Bytes → the largest whole-ish unit for the inputs. */
function split(bytes: number): { amount: string; unit: 'M' | 'G' | 'T' | 'none' } {
  if (bytes === 0) return { amount: '', unit: 'none' };
  if (bytes >= 1024 * GiB && bytes % (1024 * GiB) === 0) return { amount: String(bytes / (1024 * GiB)), unit: 'T' };
  if (bytes >= GiB) return { amount: String(Number((bytes / GiB).toFixed(2))), unit: 'G' };
  return { amount: String(Number((bytes / 1024 ** 2).toFixed(2))), unit: 'M' };
}

/** Quota as amount + unit (MiB/GiB/TiB, powers of 1024) or Unlimited; posts quotaAmount + quotaUnit. */
export function QuotaInput({ id, bytes, error, hint }: { id: string; bytes: number; error?: string; hint?: string }) {
  const initial = split(bytes);
  const [unit, setUnit] = useState(initial.unit);
  // Controlled, so React's reset after a form action keeps what was typed.
  const [amount, setAmount] = useState(initial.amount);
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">
        Quota
      </label>
      <div className="flex gap-2">
        <Input
          id={id}
          name="quotaAmount"
          inputMode="decimal"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          disabled={unit === 'none'}
          aria-invalid={Boolean(error)}
          aria-describedby={`${id}-hint ${id}-error`}
          className="w-32"
        />
        <Select name="quotaUnit" aria-label="Quota unit" value={unit} onChange={(e) => setUnit(e.target.value as typeof unit)} className="w-36">
          <option value="M">MiB</option>
          <option value="G">GiB</option>
          <option value="T">TiB</option>
          <option value="none">Unlimited</option>
        </Select>
      </div>
      <p id={`${id}-hint`} className="text-xs text-muted">
        {hint ?? '1 GiB = 1024 MiB.'}
      </p>
      <p id={`${id}-error`} aria-live="polite" className="text-sm text-danger" data-field-error={id}>
        {error ?? ''}
      </p>
    </div>
  );
}
