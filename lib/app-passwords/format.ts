import { randomInt } from 'node:crypto';

// An app password is machine-made: 4 groups of 4 lower-case letters ("abcd-efgh-jkmn-pqrs",
// 16 letters from 23, no i, l or o, ≈ 72 bits), typed once into a mail client. Its shape lets a login try
// the app passwords only for input that looks like one, and the mailbox password otherwise.

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz';
const SHAPE = /^[a-z]{4}-?[a-z]{4}-?[a-z]{4}-?[a-z]{4}$/;

export function generateAppPassword(): string {
  const groups = Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join(''));
  return groups.join('-');
}

/** "ABCD efgh-JKMN pqrs" → "abcdefghjkmnpqrs" when it has an app password's shape, else null. */
export function normalizeAppPassword(input: string): string | null {
  const compact = input.trim().toLowerCase().replace(/\s+/g, '-');
  return SHAPE.test(compact) ? compact.replace(/-/g, '') : null;
}
