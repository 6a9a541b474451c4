import 'server-only';
import { NextResponse } from 'next/server';
import { isServiceError, type ServiceErrorCode } from '@/lib/errors';
import { createLogger } from '@/lib/log';
import { currentAdmin, type AdminActor } from './session';

const log = createLogger('panel-api');

const STATUS: Record<ServiceErrorCode, number> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  throttled: 429,
};

/** One JSON error shape for every route handler; nothing internal reaches the client. */
export function jsonError(status: number, code: string, message: string, field?: string): NextResponse {
  return NextResponse.json({ error: { code, message, ...(field ? { field } : {}) } }, { status });
}

type Handler<C> = (req: Request, ctx: C & { admin: AdminActor }) => Promise<Response> | Response;

/**
 * Wraps a route handler so it cannot forget auth: 401 without an admin session,
 * ServiceError → its HTTP status, anything else → a logged 500 with a generic body.
 * Public routes (health, ACME challenges) are listed in proxy.ts's allow-list and
 * simply do not use this wrapper.
 */
export function withAdmin<C = unknown>(handler: Handler<C>) {
  return async (req: Request, ctx: C): Promise<Response> => {
    const admin = await currentAdmin();
    if (!admin) return jsonError(401, 'unauthorized', 'sign in first');
    try {
      return await handler(req, { ...ctx, admin });
    } catch (err) {
      if (isServiceError(err)) return jsonError(STATUS[err.code], err.code, err.message, err.field);
      log.error({ err, url: req.url }, 'route handler failed');
      return jsonError(500, 'internal', 'internal error');
    }
  };
}
