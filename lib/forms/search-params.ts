/** A page's search parameters, as Next.js hands them to a page: a key may repeat. */
export type SearchParams = Record<string, string | string[] | undefined>;

/** A page's search parameter as one string: the first when repeated, "" when absent. */
export function firstParam(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** The same, undefined when absent or empty: what a zod schema of optional fields expects. */
export function optionalParam(value: string | string[] | undefined): string | undefined {
  return firstParam(value) || undefined;
}

/** Every parameter as optionalParam reads it, for a schema to parse at once. */
export function optionalParams(raw: SearchParams): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, optionalParam(v)]));
}
