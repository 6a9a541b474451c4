import { ServiceError } from '@/lib/errors';
import { splitAddress } from './address-parts';

export interface PasswordRules {
  minLength: number;
  minClasses: number;
}

export type PasswordProblem = 'too_short' | 'too_long' | 'too_few_classes' | 'contains_name';

// argon2 would happily hash a megabyte; a cap keeps the login path cheap to reject.
export const MAX_PASSWORD_LENGTH = 256;

const CLASSES = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/];

export function passwordClasses(password: string): number {
  return CLASSES.filter((re) => re.test(password)).length;
}

/**
 * Named reasons a password breaks the policy; empty means acceptable. This file has
 * no Node imports so the panel's live strength meter runs the same rules in the browser.
 */
export function checkPassword(password: string, rules: PasswordRules, address?: string): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  if ([...password].length < rules.minLength) problems.push('too_short');
  if (password.length > MAX_PASSWORD_LENGTH) problems.push('too_long');
  if (passwordClasses(password) < rules.minClasses) problems.push('too_few_classes');
  const name = address === undefined ? undefined : splitAddress(address).local.toLowerCase();
  if (name && name.length >= 3 && password.toLowerCase().includes(name)) problems.push('contains_name');
  return problems;
}

export function describePasswordProblem(problem: PasswordProblem, rules: PasswordRules): string {
  switch (problem) {
    case 'too_short':
      return `at least ${rules.minLength} characters`;
    case 'too_long':
      return `at most ${MAX_PASSWORD_LENGTH} characters`;
    case 'too_few_classes':
      return `at least ${rules.minClasses} of: lower-case, upper-case, digits, symbols`;
    case 'contains_name':
      return 'must not contain the name before "@"';
  }
}

/** Throws ServiceError('invalid', …, field) listing every broken rule. */
export function assertPassword(password: string, rules: PasswordRules, address?: string, field = 'password'): void {
  const problems = checkPassword(password, rules, address);
  if (problems.length) {
    throw new ServiceError('invalid', `too weak: ${problems.map((p) => describePasswordProblem(p, rules)).join('; ')}`, field);
  }
}

// No look-alikes (0/O, 1/l/I) so a generated password survives being read aloud.
const ALPHABETS = ['abcdefghijkmnopqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '-_.!%+=#'];

// Web Crypto exists in Node 20 and every browser, so the panel's "generate" button
// and the CLI share this function.
function randomInt(max: number): number {
  const limit = Math.floor(0x1_0000_0000 / max) * max; // rejection sampling: no modulo bias
  const buf = new Uint32Array(1);
  do globalThis.crypto.getRandomValues(buf);
  while (buf[0] >= limit);
  return buf[0] % max;
}

/** A random password with all four classes, 20 characters (~120 bits). */
export function generatePassword(length = 20): string {
  const all = ALPHABETS.join('');
  const chars = ALPHABETS.map((a) => a[randomInt(a.length)]);
  while (chars.length < length) chars.push(all[randomInt(all.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}
