// Over 300 lines: one parser for the whole policy form (every field kind, the smarthost, per-destination rules), the inverse of ./fields.ts.
import { z } from 'zod';
import { splitList } from '@/lib/forms/list';
import type { SmarthostInput } from '@/lib/policy/smarthost';
import {
  OUTBOUND_TLS,
  POLICY_FIELDS,
  SMARTHOST_SECURITY,
  TLS_VERSIONS,
  getPath,
  setPath,
  smarthostName,
  type OutboundTls,
  type PolicyField,
} from './fields';

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

/**
 * The server-side normalizers the parser needs, passed in so this file stays
 * importable from the client form: `parseQuota`, `normalizeDomain` and `normalizeAddress`
 * from lib/validations (they throw a ServiceError with the message to show).
 */
export interface PolicyParsers {
  bytes: (s: string) => number;
  domain: (s: string) => string;
  /** `normalizeAddress(s).address` */
  address: (s: string) => string;
  /**
   * The policy schema's own verdict on one value (`policySchemaError` in ./schema-error), so a rule
   * lives in one place. Passed in: the schema's zod objects would probe for `eval` in the browser,
   * which the panel's CSP refuses and reports.
   */
  schema: (path: string, value: unknown) => Error | null;
}

/** Several errors for one field (the smarthost subsection, a rule row): keyed by form name. */
class FieldErrors extends Error {
  constructor(readonly errors: Record<string, string>) {
    super('invalid');
  }
}

const MAX_TLS_RULES = 1000;
export const tlsRuleName = (path: string, i: number, key: 'domain' | 'tls') => `${path}.${i}.${key}`;

export interface TlsRuleValue {
  domain: string;
  tls: OutboundTls;
}

function parseTlsRules(field: PolicyField, get: Get, parsers: PolicyParsers): TlsRuleValue[] | Error {
  const rules: TlsRuleValue[] = [];
  const seen = new Set<string>();
  for (let i = 0; i <= MAX_TLS_RULES && get(tlsRuleName(field.path, i, 'domain')) !== null; i++) {
    const raw = (get(tlsRuleName(field.path, i, 'domain')) ?? '').trim();
    if (!raw) continue; // an empty row just added
    if (rules.length === MAX_TLS_RULES) return new Error(`At most ${MAX_TLS_RULES} rules.`);
    let domain: string;
    try {
      domain = parsers.domain(raw);
    } catch (err) {
      return new Error((err as Error).message || `"${raw}" is not a domain name.`);
    }
    if (seen.has(domain)) return new Error(`"${raw}" is listed twice.`);
    seen.add(domain);
    const tls = get(tlsRuleName(field.path, i, 'tls'));
    if (!(OUTBOUND_TLS as readonly string[]).includes(tls ?? '')) return new Error(`"${raw}": choose a TLS requirement.`);
    rules.push({ domain, tls: tls as OutboundTls });
  }
  return rules;
}

// A host name or an IP literal (relays on a LAN are often given by address).
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$|^[0-9a-f:.]*:[0-9a-f:.]*$/i;

/** The smarthost subsection of the form (values are strings from FormData; checkboxes "on"). */
export function smarthostFormSchema(parsers: PolicyParsers) {
  return z
    .object({
      host: z
        .string()
        .trim()
        .toLowerCase()
        .min(1, 'Enter the relay\'s host name.')
        .max(253, 'At most 253 characters.')
        .regex(HOST, 'Not a host name (e.g. smtp.example.net).'),
      port: z
        .string()
        .trim()
        .regex(/^\d+$/, 'Enter a port number.')
        .transform(Number)
        .pipe(z.number().int().min(1, 'At least 1.').max(65535, 'At most 65535.')),
      security: z.enum(SMARTHOST_SECURITY, 'Choose STARTTLS or implicit TLS.'),
      username: z.string().trim().max(320, 'At most 320 characters.'),
      password: z.string().max(1024, 'At most 1024 characters.'),
      clearPassword: z.boolean(),
      domains: z.string().transform((text, ctx) => {
        const out: string[] = [];
        for (const raw of splitList(text)) {
          try {
            const domain = parsers.domain(raw);
            if (!out.includes(domain)) out.push(domain);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: (err as Error).message || `"${raw}" is not a domain name.` });
            return z.NEVER;
          }
        }
        if (out.length > 1000) {
          ctx.addIssue({ code: 'custom', message: 'At most 1000 domains.' });
          return z.NEVER;
        }
        return out;
      }),
    })
    .superRefine((v, ctx) => {
      if (v.password && v.clearPassword) ctx.addIssue({ code: 'custom', path: ['password'], message: 'Type a new password or clear the stored one, not both.' });
      if (v.password && !v.username) ctx.addIssue({ code: 'custom', path: ['username'], message: 'A password needs a user name.' });
    });
}

function parseSmarthost(get: Get, parsers: PolicyParsers): SmarthostInput | null | Error {
  const on = (v: string | null) => v === 'on' || v === 'true';
  if (!on(get(smarthostName('enabled')))) return null;
  const parsed = smarthostFormSchema(parsers).safeParse({
    host: get(smarthostName('host')) ?? '',
    port: get(smarthostName('port')) ?? '',
    security: get(smarthostName('security')) ?? '',
    username: get(smarthostName('username')) ?? '',
    password: get(smarthostName('password')) ?? '',
    clearPassword: on(get(smarthostName('clearPassword'))),
    domains: get(smarthostName('domains')) ?? '',
  });
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[`smarthost.${String(issue.path[0] ?? 'host')}`] ??= issue.message;
    return new FieldErrors(errors);
  }
  const { password, clearPassword, ...rest } = parsed.data;
  return { ...rest, ...(password ? { password } : {}), ...(clearPassword ? { clearPassword } : {}) };
}

function parseField(field: PolicyField, get: Get, parsers: PolicyParsers): unknown | Error {
  const raw = get(field.path);
  switch (field.kind) {
    case 'boolean':
      return raw === 'on' || raw === 'true';
    case 'tls-version':
      return (TLS_VERSIONS as readonly string[]).includes(raw ?? '') ? raw : new Error(`Choose ${TLS_VERSIONS.join(' or ')}.`);
    case 'bytes': {
      if (!raw?.trim()) return new Error('Enter a size, e.g. 50M.');
      try {
        return parsers.bytes(raw.trim());
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
    case 'outbound-tls':
      return (OUTBOUND_TLS as readonly string[]).includes(raw ?? '') ? raw : new Error('Choose a TLS requirement.');
    case 'tls-rules':
      return parseTlsRules(field, get, parsers);
    case 'smarthost':
      return parseSmarthost(get, parsers);
    case 'choice':
      return field.options?.some((o) => o.value === raw) ? raw : new Error(`Choose one of: ${field.options?.map((o) => o.value).join(', ')}.`);
    case 'zone-list': {
      const zones = splitList(raw).map((z) => z.toLowerCase().replace(/\.$/, ''));
      return parsers.schema(field.path, zones) ?? zones;
    }
    case 'record': {
      const text = (raw ?? '').trim().replace(/\s+/g, ' ');
      return parsers.schema(field.path, text) ?? text;
    }
    case 'address': {
      const text = (raw ?? '').trim();
      if (!text) return '';
      try {
        return parsers.address(text);
      } catch (err) {
        return new Error((err as Error).message || `"${text}" is not an address (name@domain).`);
      }
    }
  }
}

/**
 * The form → settings. `settings.smarthost`, when present, is a SmarthostInput (with
 * the clear password, if one was typed): lib/policy's updatePolicyWithSmarthost seals
 * it; the policy schema would drop the clear password rather than store it.
 */
export function parsePolicyForm(get: Get, scope: PolicyScope, p: PolicyParsers): ParsedPolicyForm {
  const settings: Record<string, unknown> = {};
  const fieldErrors: Record<string, string> = {};
  for (const field of POLICY_FIELDS) {
    if (scope === 'domain' && (field.globalOnly || get(modeName(field.path)) !== 'override')) continue;
    const value = parseField(field, get, p);
    if (value instanceof FieldErrors) Object.assign(fieldErrors, value.errors);
    else if (value instanceof Error) fieldErrors[field.path] = value.message;
    else setPath(settings, field.path, value);
  }
  // One rule across two fields: the doubling has to start below where it stops.
  const base = settings.retryBaseSeconds;
  const max = settings.retryMaxSeconds;
  if (typeof base === 'number' && typeof max === 'number' && max < base) {
    fieldErrors.retryMaxSeconds ??= `At least the first retry wait (${base} seconds).`;
  }
  return { settings, fieldErrors };
}

/** Maps an error path from the policy schema ("relayNetworks.2") to the form field it belongs to. */
export function fieldForPath(path: string): string {
  // The smarthost's parts have their own inputs and error lines.
  const sub = /^smarthost\.([a-zA-Z]+)/.exec(path)?.[1];
  if (sub) return sub === 'passwordSealed' ? smarthostName('password') : `smarthost.${sub}`;
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

export type PolicyFormValue = string | boolean | TlsRuleValue[];

/** A (partial) settings object → the form's values by field path; missing keys are left out. */
export function policyToFormValues(settings: unknown): Record<string, PolicyFormValue> {
  const out: Record<string, PolicyFormValue> = {};
  for (const field of POLICY_FIELDS) {
    const value = getPath(settings, field.path);
    if (value === undefined) continue;
    switch (field.kind) {
      case 'tls-rules':
        out[field.path] = Array.isArray(value) ? value.map((r: TlsRuleValue) => ({ domain: r.domain, tls: r.tls })) : [];
        break;
      case 'smarthost': {
        // Never the sealed password: only whether one is stored.
        const sh = value as { host: string; port: number; security: string; username: string; passwordSealed: string; domains: string[] } | null;
        out[smarthostName('enabled')] = Boolean(sh);
        out[smarthostName('host')] = sh?.host ?? '';
        out[smarthostName('port')] = String(sh?.port ?? 587);
        out[smarthostName('security')] = sh?.security ?? 'starttls';
        out[smarthostName('username')] = sh?.username ?? '';
        out[smarthostName('domains')] = sh?.domains.join('\n') ?? '';
        out[smarthostName('passwordSet')] = Boolean(sh?.passwordSealed);
        break;
      }
      case 'boolean':
        out[field.path] = Boolean(value);
        break;
      case 'bytes':
        out[field.path] = bytesToInput(Number(value));
        break;
      case 'cidr-list':
      case 'zone-list':
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
  if (Array.isArray(value)) return value.length ? value.map((r) => `${r.domain}: ${r.tls}`).join(', ') : 'none';
  if (field.kind === 'boolean' || field.kind === 'smarthost') return value ? 'on' : 'off';
  if (field.kind === 'cidr-list' || field.kind === 'zone-list') return value ? String(value).split('\n').join(', ') : 'none';
  if (field.kind === 'text' || field.kind === 'record') return value === '' ? '(none)' : `"${value}"`;
  if (field.kind === 'address') return value === '' ? 'default' : String(value);
  if (field.kind === 'choice') return field.options?.find((o) => o.value === value)?.label ?? String(value);
  return String(value);
}
