import type pg from 'pg';
import type { Env } from '@/lib/config/env';
import type { Secrets } from '@/lib/config/secrets';
import type { Db } from '@/lib/db/prisma';
import type { NotifyBus } from '@/lib/db/notify';
import type { Logger } from '@/lib/log';
import type { PolicyCache } from './services/policy-cache';
import type { TlsProvider } from '@/lib/certificates/tls-provider';

/** What every part of the daemon is given at start; nothing reaches for globals. */
export interface DaemonContext {
  env: Env;
  secrets: Secrets;
  /** Prisma, for store and directory code (never protocol code). */
  db: Db;
  /** A plain pg pool for hot paths that want hand-written SQL. */
  pool: pg.Pool;
  bus: NotifyBus;
  /**
   * The effective policy, global or a domain's (`get(domainId)`), cached; the daemon's
   * one LISTEN on CHANNELS.policy invalidates it and then calls `onChange` listeners.
   */
  policy: PolicyCache;
  /** The one TLS provider every listener serves from (certificates table, SNI, the policy's floor). */
  tls: TlsProvider;
  log: Logger;
  instanceId: string;
  /** Facts to publish in daemon_status.details (e.g. the served TLS fingerprint). */
  report(details: Record<string, unknown>): void;
}

export interface ListenerInfo {
  name: string;
  port: number;
  tls: 'starttls' | 'implicit' | 'none';
}

/** A part of the daemon with a lifetime: the SMTP listeners, IMAP, the TLS watcher… */
export interface DaemonService {
  name: string;
  start(ctx: DaemonContext): Promise<ListenerInfo[]>;
  /** Stop accepting, let open sessions finish briefly, then close them. */
  stop(): Promise<void>;
}
