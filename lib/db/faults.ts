// What a database error says about the connection it came on (PostgreSQL Appendix A, SQLSTATE
// classes). Shared by the pool (which connections to throw away) and the protocols (which
// failures are "try again later", not a bug). Duck-typed: pg errors, the socket errors under
// them, and Prisma's wrapping of both (meta.driverAdapterError.cause).

/**
 * Class 08 (connection exception), 57 (operator intervention: admin shutdown, the backend
 * terminated, the server crashed) and 25 (invalid transaction state, e.g. 25006: the session is
 * read-only, as on a standby after a failover). A connection that returned one is never reused.
 */
const BROKEN_SESSION = /^(08|25|57)/;

// pg's own words when the socket goes away under a client (it gives these no SQLSTATE).
const LOST_CONNECTION = /connection terminated|not queryable|terminating connection|timeout exceeded when trying to connect|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT/i;

// Prisma's adapter-pg names for the same socket failures.
const LOST_KINDS = new Set(['ConnectionClosed', 'DatabaseNotReachable', 'SocketTimeout', 'TooManyConnections']);

interface Described {
  sqlstate?: string;
  kind?: string;
  message: string;
}

function describe(err: unknown): Described | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown; code?: unknown } } } };
  const cause = e.meta?.driverAdapterError?.cause;
  if (cause) {
    const code = typeof cause.originalCode === 'string' ? cause.originalCode : typeof cause.code === 'string' ? cause.code : undefined;
    return { sqlstate: code, kind: typeof cause.kind === 'string' ? cause.kind : undefined, message: String(e.message ?? '') };
  }
  const code = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
  return { sqlstate: code, message: `${String(e.code ?? '')} ${String(e.message ?? '')}` };
}

function lost(d: Described): boolean {
  return (d.kind !== undefined && LOST_KINDS.has(d.kind)) || (!d.sqlstate && LOST_CONNECTION.test(d.message));
}

/** The connection this error came on must be discarded, not handed out again. */
export function isConnectionFault(err: unknown): boolean {
  const d = describe(err);
  return !!d && ((d.sqlstate !== undefined && BROKEN_SESSION.test(d.sqlstate)) || lost(d));
}

/**
 * The fault is the server's, not one session's: it went read-only (25006), terminated or cannot
 * take connections (class 57, but for 57014, one statement cancelled), or the connection to it
 * failed or was lost (class 08, socket errors). Other connections opened before it most likely
 * share it.
 */
export function isServerFault(err: unknown): boolean {
  const d = describe(err);
  return !!d && d.sqlstate !== '57014' && isDatabaseUnavailable(err);
}

/** The database cannot write now (SQLSTATE 25006: a read-only session or a standby). */
export function isReadOnlyDatabase(err: unknown): boolean {
  return describe(err)?.sqlstate === '25006';
}

/**
 * The database cannot serve this now, through no fault of the request: the connection was lost
 * or refused, the server is shutting down or terminated the session (08, 57), or it is read-only
 * (25006). The mail protocols answer "try again later" (SMTP 451 4.3.0, IMAP NO [UNAVAILABLE]).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const d = describe(err);
  return !!d && (lost(d) || (d.sqlstate !== undefined && (/^(08|57)/.test(d.sqlstate) || d.sqlstate === '25006')));
}
