import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseTrustedProxies, TrustedProxiesError } from '@/lib/auth/client-ip';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const optionalPort = z.coerce.number().int().min(1).max(65535).optional();
const blankAsUnset = (v: unknown) => (v === '' ? undefined : v);

// Every setting Postern reads from the environment, in one place; the README's
// configuration table mirrors this schema.
const envSchema = z.object({
  DATABASE_URL: z.preprocess(blankAsUnset, z.string().url().optional()),
  POSTERN_DATA_DIR: z.string().default('./data'),
  /** The embedded Postgres's port (DATABASE_URL unset); unset: a free port chosen at the first start, kept in the data directory. */
  POSTERN_PG_PORT: z.preprocess(blankAsUnset, optionalPort),
  POSTERN_HOSTNAME: z.string().min(1).default(os.hostname()),
  PORT: port(3000),
  POSTERN_SMTP_PORT: port(2525),
  POSTERN_SUBMISSION_PORT: port(2587),
  POSTERN_SUBMISSIONS_PORT: port(2465),
  POSTERN_IMAPS_PORT: port(2993),
  POSTERN_IMAP_PORT: z.preprocess(blankAsUnset, optionalPort),
  POSTERN_POP3S_PORT: port(2995),
  /** Cleartext POP3 with STLS (RFC 2595); unset: off. */
  POSTERN_POP3_PORT: z.preprocess(blankAsUnset, optionalPort),
  /** The panel's own HTTPS port (certificates from the certificates table, by SNI); unset: HTTP on PORT only. */
  POSTERN_HTTPS_PORT: z.preprocess(blankAsUnset, optionalPort),
  POSTERN_LISTEN_HOST: z.string().default('0.0.0.0'),
  /** Where the admin panel binds; unset: POSTERN_LISTEN_HOST. */
  POSTERN_PANEL_HOST: z.preprocess(blankAsUnset, z.string().optional()),
  /**
   * Proxies whose X-Forwarded-For the panel believes and whose PROXY header the mail listeners
   * accept (addresses and CIDR blocks, comma- or space-separated); empty: none, the client is
   * the socket's peer. Checked here, once, so a typo stops the start instead of trusting nobody.
   */
  POSTERN_TRUSTED_PROXIES: z
    .string()
    .default('')
    .superRefine((list, ctx) => {
      try {
        parseTrustedProxies(list);
      } catch (err) {
        if (!(err instanceof TrustedProxiesError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message });
      }
    }),
  /** Accept the PROXY protocol v2 header (RFC-less, HAProxy's spec) on the mail listeners, from POSTERN_TRUSTED_PROXIES only. */
  POSTERN_PROXY_PROTOCOL: z.preprocess((v) => (v === '' || v === undefined ? undefined : v === '1' || v === 'true'), z.boolean().default(false)),
  ADMIN_EMAIL: z.preprocess(blankAsUnset, z.string().email().optional()),
  ADMIN_PASSWORD: z.preprocess(blankAsUnset, z.string().min(1).optional()),
  NEXTAUTH_SECRET: z.preprocess(blankAsUnset, z.string().min(16).optional()),
  POSTERN_SECRET: z.preprocess(blankAsUnset, z.string().min(16).optional()),
  POSTERN_ACME_CA_FILE: z.preprocess(blankAsUnset, z.string().optional()),
  /** Resolvers for outbound routing, MTA-STS and DANE: `host` or `host:port`, comma-separated; empty = the system's. */
  POSTERN_DNS_SERVERS: z.string().default(''),
  /** The remote SMTP port for outbound delivery. A test setting: RFC 5321 MX delivery is on 25. */
  POSTERN_OUTBOUND_PORT: port(25),
  /** How long a daemon's claim on queued mail lives without renewal, seconds. A test setting (a crashed daemon's work returns after it). */
  POSTERN_OUTBOUND_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /**
   * rspamd's controller worker (e.g. `http://rspamd:11334`): it serves the scan (/checkv2) and
   * learning (/learnspam, /learnham). Unset: no scan, Junk judgements are only recorded.
   */
  POSTERN_RSPAMD_URL: z.preprocess(blankAsUnset, z.string().url().optional()),
  /** The controller's enable password, sent as rspamd's Password header; unset when rspamd trusts our address (secure_ip). */
  POSTERN_RSPAMD_PASSWORD: z.preprocess(blankAsUnset, z.string().min(1).optional()),
  /** The daemon's own admin port (GET /healthz, /readyz), for orchestrators on this host; 0 or empty: none. */
  POSTERN_HEALTH_PORT: z.preprocess((v) => (v === '' ? 0 : v), z.coerce.number().int().min(0).max(65535).default(8025)),
  POSTERN_HEALTH_HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * A daemon whose daemon_status heartbeat (every 5 s, mail-daemon/status.ts) is older than this
   * is gone: three missed beats. Readers use it (panel, CLI, monitoring); a test setting below that.
   */
  POSTERN_DAEMON_GONE_SECONDS: z.coerce.number().min(1).max(3600).default(15),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export type Env = z.infer<typeof envSchema> & { dataDir: string };

export class ConfigError extends Error {}

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`invalid ${issue.path.join('.')}: ${issue.message}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.POSTERN_DATA_DIR) };
}
