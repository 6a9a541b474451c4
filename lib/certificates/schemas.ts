import { z } from 'zod';
import { ServiceError } from '@/lib/errors';
import { KEY_SPECS } from './x509';

// The inputs of the certificate operations, validated once here for the panel's
// server actions and the CLI alike.

const text = (max: number) => z.string().trim().max(max);
const optionalText = (max: number) => z.preprocess((v) => (v === '' ? undefined : v), text(max).optional());

export const keySpecSchema = z.enum(KEY_SPECS);

export const subjectSchema = z.object({
  commonName: text(64).min(1, 'a common name is required'),
  organization: optionalText(64),
  organizationalUnit: optionalText(64),
  country: z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().regex(/^[A-Za-z]{2}$/, 'two letters, e.g. DE').transform((v) => v.toUpperCase()).optional()),
  state: optionalText(128),
  locality: optionalText(128),
});

export const createCaSchema = subjectSchema.extend({
  keySpec: keySpecSchema.default('ec-p256'),
  validityDays: z.coerce.number().int().min(1).max(36_500).default(3650),
  /** Also create an intermediate that signs instead of the root (the root then gets path length 1). */
  intermediate: z
    .object({
      commonName: text(64).min(1, 'a common name is required'),
      keySpec: keySpecSchema.optional(),
      validityDays: z.coerce.number().int().min(1).max(36_500).optional(),
    })
    .optional(),
  /** Base URL the CRL is published under (the panel's address); default http://POSTERN_HOSTNAME:PORT. */
  crlBaseUrl: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
});
export type CreateCaInput = z.input<typeof createCaSchema>;

const hostsSchema = z.union([z.array(z.string()), z.string()]);

export const issueServerSchema = z.object({
  hosts: hostsSchema,
  keySpec: keySpecSchema.default('ec-p256'),
  validityDays: z.coerce.number().int().min(1).max(825).default(397),
  caId: z.preprocess((v) => (v === '' ? undefined : v), z.string().uuid().optional()),
  services: z.array(z.enum(['smtp', 'submission', 'imap'])).default([]),
});
export type IssueServerInput = z.input<typeof issueServerSchema>;

export const createCsrSchema = z.object({
  hosts: hostsSchema,
  keySpec: keySpecSchema.default('ec-p256'),
  organization: optionalText(64),
  country: subjectSchema.shape.country,
});
export type CreateCsrInput = z.input<typeof createCsrSchema>;

const pem = (max: number) => z.string().max(max, 'too large for a PEM file');

export const importSignedSchema = z.object({
  id: z.string().uuid(),
  certPem: pem(256 * 1024).min(1, 'paste or choose the signed certificate'),
});
export type ImportSignedInput = z.input<typeof importSignedSchema>;

export const uploadSchema = z.object({
  certPem: pem(256 * 1024).min(1, 'the certificate is required'),
  chainPem: pem(256 * 1024).optional(),
  keyPem: pem(64 * 1024).min(1, 'the private key is required'),
  /** Names the certificate must cover; default POSTERN_HOSTNAME. */
  hosts: hostsSchema.optional(),
});
export type UploadInput = z.input<typeof uploadSchema>;

export const acmeSchema = z.object({
  hosts: hostsSchema,
  email: z.string().trim().email(),
  directoryUrl: z.string().url().default('https://acme-v02.api.letsencrypt.org/directory'),
  keySpec: keySpecSchema.default('ec-p256'),
});
export type AcmeInput = z.input<typeof acmeSchema>;

export const issueSmimeSchema = z.object({
  address: z.string().trim().min(3),
  keySpec: z.enum(['rsa-3072', 'rsa-4096']).default('rsa-3072'),
  validityDays: z.coerce.number().int().min(1).max(1825).default(730),
  caId: z.preprocess((v) => (v === '' ? undefined : v), z.string().uuid().optional()),
});
export type IssueSmimeInput = z.input<typeof issueSmimeSchema>;

export const pkcs12Schema = z.object({
  id: z.string().uuid(),
  password: z.string().min(8, 'at least 8 characters').max(1024),
  legacy: z.boolean().default(false),
});
export type Pkcs12Input = z.input<typeof pkcs12Schema>;

export const revokeSchema = z.object({
  id: z.string().uuid(),
  reason: z.coerce.number().int().min(0).max(10).refine((v) => v !== 7, 'not a CRL reason').default(0),
});
export type RevokeInput = z.input<typeof revokeSchema>;

/** zod → ServiceError('invalid', message, field) for services called without the panel's form handling. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ServiceError('invalid', issue.message, issue.path.join('.') || undefined);
}
