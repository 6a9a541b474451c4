import 'server-only';
import { NextResponse } from 'next/server';
import type { z } from 'zod';
import type { ApiRoute } from '@/lib/api/contract';
import { getMonitoringSettings } from '@/lib/alerts/settings';
import { bearerToken, checkToken, type TokenIdentity } from '@/lib/api-tokens';
import { audit } from '@/lib/audit/audit';
import { isServiceError, type ServiceErrorCode } from '@/lib/errors';
import { createLogger } from '@/lib/log';
import { scrapeAllowed } from '@/lib/metrics/access';
import { db } from './db';
import { clientIp } from './ip';
import { currentAdmin, type AdminActor } from './session';

const log = createLogger('panel-api');

const STATUS: Record<ServiceErrorCode, number> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  throttled: 429,
};

const DEFAULT_MAX_BODY = 64 * 1024;

/** One JSON error shape for every route handler; nothing internal reaches the client. */
export function jsonError(status: number, code: string, message: string, field?: string): NextResponse {
  return NextResponse.json({ error: { code, message, ...(field ? { field } : {}) } }, { status });
}

/** ServiceError → its HTTP status, anything else → a logged 500 with a generic body. */
async function guarded(req: Request, work: () => Promise<Response> | Response): Promise<Response> {
  try {
    return await work();
  } catch (err) {
    if (isServiceError(err)) return jsonError(STATUS[err.code], err.code, err.message, err.field);
    log.error({ err, url: req.url }, 'route handler failed');
    return jsonError(500, 'internal', 'internal error');
  }
}

type Handler<C> = (req: Request, ctx: C & { admin: AdminActor }) => Promise<Response> | Response;

/**
 * For the panel's own downloads (certificates, zone files, profiles): an admin session only,
 * 401 without one. Machine routes use withApi, which also takes tokens.
 */
export function withAdmin<C = unknown>(handler: Handler<C>) {
  return async (req: Request, ctx: C): Promise<Response> => {
    const admin = await currentAdmin();
    if (!admin) return jsonError(401, 'unauthorized', 'sign in first');
    return guarded(req, () => handler(req, { ...ctx, admin }));
  };
}

/** The actor a token acts as: a domain admin of its domains, or a global admin; audit rows name it "token:<name>". */
function tokenActor(token: TokenIdentity, ip: string | undefined): AdminActor {
  return { kind: 'admin', id: token.id, email: `token:${token.name}`, role: token.domainIds.length ? 'DOMAIN' : 'GLOBAL', domainIds: token.domainIds, ip };
}

export type Caller = { admin: AdminActor; token: TokenIdentity | null };

/**
 * Who is calling a route of `access` 'read' or 'full': the bearer token when the request has an
 * Authorization header (RFC 6750 §2.1; a bad one is refused even with a session cookie), else
 * the admin session. Refusals of a known token are audited under its name.
 */
export async function authenticate(req: Request, route: Pick<ApiRoute, 'access' | 'method' | 'path'>): Promise<Caller | Response> {
  const authorization = req.headers.get('authorization');
  if (authorization === null) {
    const admin = await currentAdmin();
    return admin ? { admin, token: null } : jsonError(401, 'unauthorized', 'sign in first, or send Authorization: Bearer <token>');
  }
  const presented = bearerToken(authorization);
  if (!presented) return jsonError(401, 'unauthorized', 'use Authorization: Bearer <token>');
  const ip = clientIp(req.headers);
  const check = await checkToken(db(), presented);
  if (!check.ok) {
    if (check.reason !== 'unknown') {
      await audit(db(), tokenActor(check.token, ip), 'api_token.refused', `${route.method} ${route.path}`, undefined, { reason: check.reason });
    }
    return jsonError(401, 'unauthorized', check.reason === 'unknown' ? 'unknown token' : `token ${check.reason}`);
  }
  const admin = tokenActor(check.token, ip);
  if (route.access === 'full' && check.token.scope !== 'full') {
    await audit(db(), admin, 'api_token.refused', `${route.method} ${route.path}`, undefined, { reason: 'read scope' });
    return jsonError(403, 'forbidden', 'this token may only read');
  }
  return { admin, token: check.token };
}

/** Records a token's request with its outcome (every use is audited, under the token's name). */
export async function auditTokenUse(caller: Caller, route: Pick<ApiRoute, 'method' | 'path'>, status: number): Promise<void> {
  if (!caller.token) return;
  await audit(db(), caller.admin, 'api_token.use', `${route.method} ${route.path}`, undefined, { status });
}

/** Query parameters as one object; an empty value counts as absent (`?domain=` is no filter). */
function queryObject(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URL(req.url).searchParams) if (v !== '') out[k] = v;
  return out;
}

function invalid(error: z.ZodError, prefix?: string): Response {
  const issue = error.issues[0];
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || undefined;
  return jsonError(400, 'invalid', issue.message, field);
}

async function readBody(req: Request, route: Pick<ApiRoute, 'maxBodyBytes'>): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  if (!(req.headers.get('content-type') ?? '').toLowerCase().includes('application/json')) {
    return { ok: false, response: jsonError(415, 'invalid', 'send JSON (Content-Type: application/json)') };
  }
  const max = route.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const tooLarge = () => ({ ok: false as const, response: jsonError(413, 'invalid', `at most ${max} bytes`) });
  if (Number(req.headers.get('content-length') ?? 0) > max) return tooLarge();
  const text = await req.text();
  if (Buffer.byteLength(text) > max) return tooLarge();
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, response: jsonError(400, 'invalid', 'body is not JSON') };
  }
}

type Input<Q extends z.ZodType, B extends z.ZodType> = { query: z.output<Q>; body: z.output<B> };

type ApiHandler<Q extends z.ZodType, B extends z.ZodType, C, A> = (req: Request, ctx: C & Input<Q, B> & A) => Promise<Response> | Response;

async function parseInput<Q extends z.ZodType, B extends z.ZodType>(req: Request, route: ApiRoute<Q, B>): Promise<Input<Q, B> | Response> {
  let query: unknown;
  if (route.query) {
    const q = route.query.safeParse(queryObject(req));
    if (!q.success) return invalid(q.error);
    query = q.data;
  }
  let body: unknown;
  if (route.body) {
    const raw = await readBody(req, route);
    if (!raw.ok) return raw.response;
    const b = route.body.safeParse(raw.value);
    if (!b.success) return invalid(b.error);
    body = b.data;
  }
  return { query, body } as Input<Q, B>;
}

/**
 * The one wrapper of every machine route (app/api/): the caller is authenticated (session or
 * bearer token, with the token's scope held to the route's access), the query and body are
 * validated by the route's zod schemas (the same ones /api/openapi.json is made from), errors
 * map to statuses, and a token's every request is audited.
 */
export function withApi<Q extends z.ZodType, B extends z.ZodType, C = unknown>(route: ApiRoute<Q, B>, handler: ApiHandler<Q, B, C, { admin: AdminActor }>) {
  return async (req: Request, ctx: C): Promise<Response> => {
    const caller = await authenticate(req, route);
    if (caller instanceof Response) return caller;
    const response = await guarded(req, async () => {
      const input = await parseInput(req, route);
      if (input instanceof Response) return input;
      return handler(req, { ...ctx, ...input, admin: caller.admin });
    });
    await auditTokenUse(caller, route, response.status);
    return response;
  };
}

/** A public machine route (listed in proxy.ts's allow-list): input validated, no caller. */
export function publicApi<Q extends z.ZodType, B extends z.ZodType, C = unknown>(route: ApiRoute<Q, B>, handler: ApiHandler<Q, B, C, object>) {
  return async (req: Request, ctx: C): Promise<Response> =>
    guarded(req, async () => {
      const input = await parseInput(req, route);
      if (input instanceof Response) return input;
      return handler(req, { ...ctx, ...input });
    });
}

/**
 * /metrics: a bearer token of any scope (audited like every token use), or no Authorization at
 * all from an address in the monitoring settings' allow-list. A session cookie is not enough:
 * scrapers are machines.
 */
export function withMetricsAccess(route: ApiRoute, handler: (req: Request) => Promise<Response>) {
  return async (req: Request): Promise<Response> => {
    if (!req.headers.has('authorization')) {
      const { metricsAllow } = await getMonitoringSettings(db());
      if (!scrapeAllowed(clientIp(req.headers), metricsAllow)) return jsonError(401, 'unauthorized', 'send Authorization: Bearer <token>');
      return guarded(req, () => handler(req));
    }
    const caller = await authenticate(req, route);
    if (caller instanceof Response) return caller;
    const response = await guarded(req, () => handler(req));
    await auditTokenUse(caller, route, response.status);
    return response;
  };
}
