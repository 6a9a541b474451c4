import { describe, expect, it } from 'vitest';
import { escapeLike, likeContains, likeExact } from './like';

describe('LIKE escaping', () => {
  it.each([
    ['plain', 'plain'],
    ['%', '\\%'],
    ['_', '\\_'],
    ['\\', '\\\\'],
    ['a%b_c\\d', 'a\\%b\\_c\\\\d'],
    ['100%_off\\', '100\\%\\_off\\\\'],
    ['', ''],
  ])('%j → %j', (input, escaped) => {
    expect(escapeLike(input)).toBe(escaped);
    expect(likeExact(input)).toBe(escaped);
    expect(likeContains(input)).toBe(`%${escaped}%`);
  });
});
