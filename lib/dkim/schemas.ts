import { z } from 'zod';

// The inputs of the DKIM key operations, validated once here for the panel's server actions
// and the CLI alike.

/**
 * A selector we create is one DNS label (RFC 6376 §3.1 allows dotted selectors; one label keeps
 * the record name obvious), lower-case letters, digits and inner hyphens.
 */
const selectorSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'a selector is required')
  .max(63, 'a selector is at most 63 characters (one DNS label)')
  .regex(/^(?!-)[a-z0-9-]+(?<!-)$/, 'a selector is one DNS label: letters, digits and inner hyphens');

const DKIM_KEY_TYPES = ['rsa', 'ed25519'] as const;

export const generateDkimKeySchema = z.object({
  domain: z.string().min(1, 'a domain is required'),
  type: z.enum(DKIM_KEY_TYPES, { message: 'the key type is rsa (RSA-2048) or ed25519' }).default('rsa'),
  selector: z.preprocess((v) => (v === '' || v === null ? undefined : v), selectorSchema.optional()),
});
export type GenerateDkimKeyInput = z.input<typeof generateDkimKeySchema>;

export const dkimKeyRefSchema = z.object({
  domain: z.string().min(1, 'a domain is required'),
  selector: selectorSchema,
});
export type DkimKeyRef = z.input<typeof dkimKeyRefSchema>;
