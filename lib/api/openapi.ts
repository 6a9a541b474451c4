import { z } from 'zod';
import { VERSION } from '@/lib/version';
import type { ApiRoute } from './contract';
import { API_ROUTES, errorBody } from './routes';

// OpenAPI 3.1 from the routes' own zod schemas: zod 4's toJSONSchema writes JSON Schema
// 2020-12, which is what OpenAPI 3.1 schema objects are (no translation, no second schema).

type Json = Record<string, unknown>;

const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
};

function queryParameters(route: ApiRoute): Json[] {
  if (!route.query) return [];
  const object = route.query as unknown as z.ZodObject;
  return Object.entries(object.shape).map(([name, field]) => {
    const schema = schemaOf(field as z.ZodType, 'input');
    const { description, ...rest } = schema;
    return {
      name,
      in: 'query',
      required: !(field as z.ZodType).safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const ERRORS: Record<string, string> = {
  400: 'invalid input; error.field names the parameter',
  401: 'no session and no usable token',
  403: 'outside the scope of the session or token',
  404: 'not found',
  409: 'conflict',
  413: 'body too large',
  415: 'not JSON',
  429: 'throttled',
};

function operation(route: ApiRoute): Json {
  const responses: Json = {};
  for (const [status, r] of Object.entries(route.responses)) {
    responses[status] = {
      description: r.description,
      content: r.json
        ? { 'application/json': { schema: schemaOf(r.json, 'output') } }
        : { [r.text!.mediaType]: { schema: { type: 'string' } } },
    };
  }
  const errors = route.access === 'public' ? ['400'] : route.body ? ['400', '401', '403', '413', '415'] : ['400', '401', '403'];
  for (const status of errors) responses[status] ??= { description: ERRORS[status], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  return {
    operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    security: route.access === 'public' ? [] : [{ bearer: [] }, { session: [] }],
    ...(route.access === 'full' ? { 'x-postern-token-scope': 'full' } : route.access === 'read' ? { 'x-postern-token-scope': 'read' } : {}),
    parameters: queryParameters(route),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(route.body, 'input') } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of every route in `routes`. */
export function openApiDocument(routes: ApiRoute[] = API_ROUTES): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Postern',
      version: VERSION,
      description:
        'The panel\'s machine routes. Send `Authorization: Bearer <token>` (create tokens in the panel or with `postern token create`) or the panel\'s session cookie. A token of scope read may call only the routes marked x-postern-token-scope: read.',
    },
    paths,
    components: {
      schemas: { Error: schemaOf(errorBody, 'output') },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API token (pst_…)' },
        session: { type: 'apiKey', in: 'cookie', name: 'next-auth.session-token', description: 'the panel\'s session (__Secure- prefixed over HTTPS)' },
      },
    },
  };
}
