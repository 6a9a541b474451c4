// LIKE/ILIKE patterns from user input. Postgres' default escape character is `\`, and
// neither raw SQL nor Prisma's `contains`/`startsWith`/`endsWith` escapes `%` and `_`
// in the value (Prisma passes `%${value}%` as is): a search for "%" would match every row.

/** The value with `\`, `%` and `_` escaped, so each matches only itself in a LIKE pattern. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, '\\$&');
}

/** The value as an ILIKE pattern that matches only itself (case-insensitively). */
export function likeExact(value: string): string {
  return escapeLike(value);
}

/** A "contains" pattern in which `%`, `_` and `\` match themselves. */
export function likeContains(value: string): string {
  return `%${escapeLike(value)}%`;
}
