import { z } from 'zod';

export const TOKEN_SCOPES = ['read', 'full'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** Longest life a token may be given; a token that never expires is not offered. */
export const MAX_TOKEN_DAYS = 3650;
export const DEFAULT_TOKEN_DAYS = 90;

export const createTokenSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'give the token a name')
    .max(64, 'at most 64 characters')
    .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'letters, digits and . _ @ - only'),
  scope: z.enum(TOKEN_SCOPES, { message: 'scope is read or full' }),
  /** Domain names; empty: every domain. */
  domains: z.array(z.string()).max(500).default([]),
  expiresInDays: z.coerce
    .number()
    .int('whole days')
    .min(1, 'at least 1 day')
    .max(MAX_TOKEN_DAYS, `at most ${MAX_TOKEN_DAYS} days`)
    .default(DEFAULT_TOKEN_DAYS),
});
export type CreateTokenInput = z.input<typeof createTokenSchema>;
