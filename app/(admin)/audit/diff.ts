// Before/after of an audited change as rows a person can read: nested settings
// are flattened to dotted paths ("bruteForce.maxFailures") and only the paths
// that differ are kept. Pure, so the page and its test share it.

export type DiffKind = 'added' | 'removed' | 'changed';

export interface DiffRow {
  path: string;
  kind: DiffKind;
  before?: unknown;
  after?: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Leaves of a JSON value keyed by dotted path; arrays and scalars are leaves. */
export function flatten(value: unknown, prefix = '', out: Map<string, unknown> = new Map()): Map<string, unknown> {
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0 && prefix) out.set(prefix, {});
    for (const key of keys) flatten(value[key], prefix ? `${prefix}.${key}` : key, out);
  } else if (value !== undefined) {
    out.set(prefix || '(value)', value);
  }
  return out;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function diffJson(before: unknown, after: unknown): DiffRow[] {
  const a = flatten(before ?? undefined);
  const b = flatten(after ?? undefined);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const rows: DiffRow[] = [];
  for (const path of paths) {
    const inA = a.has(path);
    const inB = b.has(path);
    if (inA && inB) {
      if (!same(a.get(path), b.get(path))) rows.push({ path, kind: 'changed', before: a.get(path), after: b.get(path) });
    } else if (inB) {
      rows.push({ path, kind: 'added', after: b.get(path) });
    } else {
      rows.push({ path, kind: 'removed', before: a.get(path) });
    }
  }
  return rows;
}

/** A value as one short line for the diff table. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
