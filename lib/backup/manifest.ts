// What a backup holds besides the rows, and which rows stay behind.

export const BACKUP_FORMAT = 'postern-backup';
export const BACKUP_FORMAT_VERSION = 1;

export interface TableEntry {
  name: string;
  /** Copied columns in table order (generated columns are left for Postgres to compute). */
  columns: string[];
}

export interface Manifest {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_FORMAT_VERSION;
  createdAt: string;
  /** The Postern that wrote it. */
  postern: string;
  /** Migrations applied to the database, in order, with their checksums: the schema of the rows. */
  migrations: { name: string; checksum: string }[];
  /** Tables in an order foreign keys allow (a table after every table it references). */
  tables: TableEntry[];
  /** Every sequence's last value, read in the snapshot (never below any value a copied row holds). */
  sequences: { name: string; lastValue: string }[];
  /** The master key that sealed the private keys and TOTP secrets in the rows (POSTERN_SECRET). */
  masterKey: string;
}

/**
 * Tables that do not travel. What they hold belongs to the running server, not to its data:
 * the migration history (restore writes its own as it migrates), live daemons' heartbeats,
 * panel sign-ins (a restored server starts with every admin signed out), brute-force counters,
 * and ACME HTTP-01 answers of orders in flight (minutes long; an order is simply asked again).
 */
export const EXCLUDED_TABLES: Record<string, string> = {
  _prisma_migrations: 'written again by the migrations restore runs',
  daemon_status: 'heartbeats of the daemons running now',
  admin_sessions: 'panel sign-ins: everyone signs in again',
  auth_throttle: 'brute-force counters',
  acme_challenges: 'HTTP-01 answers of ACME orders in flight',
};

/**
 * Columns copied as NULL: a queued message's lease names a daemon of the old server; the
 * restored queue is claimed afresh by whichever daemon runs next.
 */
export const RESET_COLUMNS: Record<string, string[]> = {
  outbound_queue: ['lease_owner', 'lease_until'],
};
