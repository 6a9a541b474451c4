// One error vocabulary for every service. The panel maps `field` to a form field,
// the API maps `code` to an HTTP status, the CLI prints `field: message` and exits 1.
export type ServiceErrorCode = 'invalid' | 'not_found' | 'conflict' | 'forbidden' | 'throttled';

export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof ServiceError;
}

/**
 * True for a Postgres unique violation surfaced by Prisma (P2002). Duck-typed so this
 * file stays importable from client components (no Prisma runtime in the browser).
 */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}

/**
 * Runs `work`; a unique violation becomes a field-level 'conflict' instead of a 500,
 * because two admins can race past our own "already exists" check.
 */
export async function conflictOnDuplicate<T>(work: () => Promise<T>, field: string, message: string): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isUniqueViolation(err)) throw new ServiceError('conflict', message, field);
    throw err;
  }
}
