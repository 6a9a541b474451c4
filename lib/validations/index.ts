// zod schemas for forms and handlers, built on the same normalizers the CLI and the
// daemon call, so every entry point accepts exactly the same inputs.
import { z } from 'zod';
import { isServiceError } from '@/lib/errors';
import { normalizeAddress, normalizeAliasSource } from './address';
import { normalizeDomain } from './domain';
import { parseQuota } from './quota';

export * from './address';
export * from './domain';
export * from './quota';
export * from './password';

function fromNormalizer<T>(fn: (v: string) => T) {
  return z.string().transform((value, ctx): T => {
    try {
      return fn(value);
    } catch (err) {
      if (!isServiceError(err)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
      return z.NEVER;
    }
  });
}

export const domainSchema = fromNormalizer(normalizeDomain);
export const addressSchema = fromNormalizer((v) => normalizeAddress(v).address);
export const aliasSourceSchema = fromNormalizer((v) => normalizeAliasSource(v).source);
export const quotaSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  try {
    return parseQuota(value);
  } catch (err) {
    if (!isServiceError(err)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
    return z.NEVER;
  }
});
