import type { z } from 'zod';

/**
 * Who may call a route: anyone ('public'), any signed-in admin or token ('read'), or a session
 * or a token of scope full ('full'). A read token is refused on every 'full' route.
 */
export type RouteAccess = 'public' | 'read' | 'full';

/** A JSON route's contract: what validates its input and what the OpenAPI description says of it. */
export interface ApiRoute<Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The URL path, OpenAPI style ({name} for a path parameter). */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  access: RouteAccess;
  /** Query parameters, one flat object of strings (coerced by the schema). */
  query?: Q;
  /** JSON body. */
  body?: B;
  /** Bodies larger than this are refused with 413 (default 64 KiB). */
  maxBodyBytes?: number;
  /** Success responses by status: a JSON schema, or a media type other than JSON with its schema. */
  responses: Record<number, { description: string; json?: z.ZodType; text?: { mediaType: string } }>;
}

export function apiRoute<Q extends z.ZodType, B extends z.ZodType>(route: ApiRoute<Q, B>): ApiRoute<Q, B> {
  return route;
}
