import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { policySchema } from '@/lib/policy';
import { POLICY_FIELDS, limitsText } from './fields';
import { parsePolicyForm } from './parse';

// The limits the page states beside a number field are the policy schema's own bounds,
// and the form parser refuses exactly outside them, with its own sentence.

type Unwrappable = z.ZodType & { unwrap?: () => z.ZodType; shape?: Record<string, z.ZodType>; minValue?: number | null; maxValue?: number | null };

function schemaAt(path: string): Unwrappable {
  let s = policySchema as unknown as Unwrappable;
  for (const key of path.split('.')) {
    while (!s.shape && s.unwrap) s = s.unwrap() as Unwrappable;
    s = s.shape![key] as Unwrappable;
  }
  while (s.unwrap) s = s.unwrap() as Unwrappable;
  return s;
}

const integers = POLICY_FIELDS.filter((f) => f.kind === 'integer');

describe('number fields of the policies page', () => {
  it.each(integers.map((f) => [f.path, f] as const))('%s states the schema\'s limits', (path, field) => {
    const s = schemaAt(path);
    expect([field.min, field.max]).toEqual([s.minValue, s.maxValue]);
    expect(limitsText(field)).toBe(`A whole number from ${field.min!.toLocaleString('en')} to ${field.max!.toLocaleString('en')}${field.unit ? ` ${field.unit}` : ''}.`);
  });

  it.each([
    ['renewDaysBefore', '0', 'At least 1.'],
    ['renewDaysBefore', '366', 'At most 365.'],
    ['renewDaysBefore', 'soon', 'Enter a whole number.'],
    ['maxRecipients', '10001', 'At most 10000.'],
    ['dkimRetireGraceDays', '2.5', 'Enter a whole number.'],
  ])('%s = %j is refused: %s', (path, raw, message) => {
    const form = new Map([[path, raw]]);
    const { fieldErrors } = parsePolicyForm((name) => form.get(name) ?? null, 'global', {
      bytes: () => 0,
      domain: (v) => v,
      address: (v) => v,
      schema: () => null,
    });
    expect(fieldErrors[path]).toBe(message);
  });
});
