import { splitList } from '@/lib/forms/list';
import { POLICY_FIELDS, TLS_VERSIONS, getPath, setPath, type PolicyField } from './fields';

// The policies form → a settings object. The global form sets every field; a
// domain's form sets only the fields whose "mode" is "override" — the others are
// left out, which is how an override is cleared back to "inherit". The shapes are
// checked here only as far as the form needs (numbers are numbers); the policy
// schema in lib/policy validates the result once more when it is saved.

export type PolicyScope = 'global' | 'domain';

export const modeName = (path: string) => `${path}__mode`;

export interface ParsedPolicyForm {
  settings: Record<string, unknown>;
  fieldErrors: Record<string, string>;
}

type Get = (name: string) => string | null;

function parseField(field: PolicyField, get: Get, parseBytes: (s: string) => number): unknown | Error {
  const raw = get(field.path);
  switch (field.kind) {
    case 'boolean':
      return raw === 'on' || raw === 'true';
    case 'tls-version':
      return (TLS_VERSIONS as readonly string[]).includes(raw ?? '') ? raw : new Error(`Choose ${TLS_VERSIONS.join(' or ')}.`);
    case 'bytes': {
      if (!raw?.trim()) return new Error('Enter a size, e.g. 50M.');
      try {
        return parseBytes(raw.trim());
      } catch (err) {
        return new Error((err as Error).message || 'Enter a size such as 25M or 1G.');
      }
    }
    case 'integer': {
      const text = (raw ?? '').trim();
      if (!/^\d+$/.test(text)) return new Error('Enter a whole number.');
      const n = Number(text);
      if (field.min !== undefined && n < field.min) return new Error(`At least ${field.min}.`);
      if (field.max !== undefined && n > field.max) return new Error(`At most ${field.max}.`);
      return n;
    }
    case 'cidr-list':
      return splitList(raw);
    case 'text':
      return (raw ?? '').trim();
  }
}

export function parsePolicyForm(get: Get, scope: PolicyScope, parseBytes: (s: string) => number): ParsedPolicyForm {
  const settings: Record<string, unknown> = {};
  const fieldErrors: Record<string, string> = {};
  for (const field of POLICY_FIELDS) {
    if (scope === 'domain' && (field.globalOnly || get(modeName(field.path)) !== 'override')) continue;
    const value = parseField(field, get, parseBytes);
    if (value instanceof Error) fieldErrors[field.path] = value.message;
    else setPath(settings, field.path, value);
  }
  return { settings, fieldErrors };
}

/** Maps an error path from the policy schema ("relayNetworks.2") to the form field it belongs to. */
export function fieldForPath(path: string): string {
  const match = POLICY_FIELDS.map((f) => f.path)
    .filter((p) => path === p || path.startsWith(`${p}.`))
    .sort((a, b) => b.length - a.length)[0];
  return match ?? '_form';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Drops the leaves equal to the built-in defaults (and objects left empty), so the
 * global row stores — and the audit log shows — only what an admin actually chose.
 */
export function withoutDefaults(settings: Record<string, unknown>, defaults: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    const d = defaults[key];
    if (isObject(value) && isObject(d)) {
      const inner = withoutDefaults(value, d);
      if (Object.keys(inner).length) out[key] = inner;
    } else if (JSON.stringify(value) !== JSON.stringify(d)) {
      out[key] = value;
    }
  }
  return out;
}

const UNIT_STEPS: [number, string][] = [
  [1024 ** 4, 'T'],
  [1024 ** 3, 'G'],
  [1024 ** 2, 'M'],
  [1024, 'K'],
];

/** Bytes as the shortest exact input ("50M", "1536K", "1000"), which parseQuota reads back unchanged. */
export function bytesToInput(bytes: number): string {
  for (const [size, unit] of UNIT_STEPS) if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}

export type PolicyFormValue = string | boolean;

/** A (partial) settings object → the form's values by field path; missing keys are left out. */
export function policyToFormValues(settings: unknown): Record<string, PolicyFormValue> {
  const out: Record<string, PolicyFormValue> = {};
  for (const field of POLICY_FIELDS) {
    const value = getPath(settings, field.path);
    if (value === undefined) continue;
    switch (field.kind) {
      case 'boolean':
        out[field.path] = Boolean(value);
        break;
      case 'bytes':
        out[field.path] = bytesToInput(Number(value));
        break;
      case 'cidr-list':
        out[field.path] = Array.isArray(value) ? value.join('\n') : '';
        break;
      default:
        out[field.path] = String(value);
    }
  }
  return out;
}

/** One value as the "inherits …" hint shows it. */
export function describeValue(field: PolicyField, value: PolicyFormValue | undefined): string {
  if (value === undefined) return '—';
  if (field.kind === 'boolean') return value ? 'on' : 'off';
  if (field.kind === 'cidr-list') return value ? String(value).split('\n').join(', ') : 'none';
  if (field.kind === 'text') return value === '' ? '(none)' : `"${value}"`;
  return String(value);
}
