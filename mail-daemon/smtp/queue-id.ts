import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789BCDFGHJKLMNPQRSTVWXYZ'; // no vowels: no words in ids

/** A short, unique, roughly time-ordered queue id, e.g. "4DKS8RQ3ZT2N7B1". */
export function newQueueId(now = Date.now()): string {
  let t = now;
  let head = '';
  for (let i = 0; i < 9; i++) {
    head = ALPHABET[t % ALPHABET.length] + head;
    t = Math.floor(t / ALPHABET.length);
  }
  const tail = [...randomBytes(6)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
  return head + tail;
}
