import { z } from 'zod';
import { apiRoute, type ApiRoute } from './contract';

// Every machine route's contract, in one list: the route handlers validate their input with
// these schemas (lib/dal/route.ts) and /api/openapi.json is generated from the same list
// (./openapi.ts). A new route under app/api/ adds its contract here; lib/api/openapi.test.ts
// fails for a route file without one.

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day, YYYY-MM-DD').describe('YYYY-MM-DD; default: the last 30 days');
const text = (max: number) => z.string().max(max, `at most ${max} characters`);
const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) });
const freeForm = (description: string) => z.object({}).catchall(z.unknown()).describe(description);

const mailbox = z.object({
  id: z.uuid(),
  address: z.string(),
  localPart: z.string(),
  domainId: z.uuid(),
  domain: z.string(),
  displayName: z.string().nullable(),
  quotaBytes: z.number().describe('0: unlimited'),
  usedBytes: z.number(),
  enabled: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

const tlsFilter = z.object({
  from: day.optional(),
  to: day.optional(),
  domain: text(253).optional().describe('one of your domains'),
  mailbox: text(320).optional().describe('one mailbox address'),
  direction: z.enum(['inbound', 'submission']).optional(),
});

export const listMailboxesRoute = apiRoute({
  method: 'GET',
  path: '/api/mailboxes',
  tag: 'mailboxes',
  summary: 'List mailboxes in your domain scope',
  access: 'read',
  query: z.object({
    q: text(320).optional().describe('contains, in the address or display name'),
    domain: text(253).optional(),
    sort: z.enum(['address', 'createdAt', 'usedBytes', 'quotaBytes', 'displayName']).optional(),
    order: z.enum(['asc', 'desc']).optional(),
    page: z.coerce.number().int().min(1).optional(),
    pageSize: z.coerce.number().int().min(1).max(500).optional(),
  }),
  responses: { 200: { description: 'one page', json: z.object({ rows: z.array(mailbox), total: z.number(), page: z.number(), pageSize: z.number() }) } },
});

export const createMailboxRoute = apiRoute({
  method: 'POST',
  path: '/api/mailboxes',
  tag: 'mailboxes',
  summary: 'Create a mailbox',
  description: 'The password is generated and returned once when none is given.',
  access: 'full',
  body: z.object({
    address: text(320),
    password: text(256).optional(),
    name: text(200).nullable().optional(),
    quota: z.union([z.string().max(32), z.number().int().min(0)]).optional().describe('"2G", bytes; 0: unlimited; default: the policy'),
    enabled: z.boolean().optional(),
  }),
  responses: { 201: { description: 'created', json: z.object({ mailbox, generatedPassword: z.string().optional() }) } },
});

export const analyzeReceivedRoute = apiRoute({
  method: 'POST',
  path: '/api/received/analyze',
  tag: 'mail analysis',
  summary: 'Read the Received and Authentication-Results headers of a pasted message',
  description: 'Changes nothing, so a read token may call it.',
  access: 'read',
  maxBodyBytes: 2 * 1024 * 1024,
  body: z
    .object({ headers: z.string().optional(), message: z.string().optional() })
    .refine((b) => b.headers !== undefined || b.message !== undefined, { message: 'a string is required', path: ['headers'] }),
  responses: { 200: { description: 'the hops and the authentication results', json: z.object({ hops: z.array(freeForm('one Received hop')), authentication: freeForm('Authentication-Results and ARC') }) } },
});

export const authenticationStatsRoute = apiRoute({
  method: 'GET',
  path: '/api/authentication/stats',
  tag: 'statistics',
  summary: 'SPF, DKIM, DMARC and ARC results of received mail',
  access: 'read',
  query: z.object({ from: day.optional(), to: day.optional(), sender: text(253).optional().describe('one RFC 5322 From domain') }),
  responses: { 200: { description: 'the figures of the authentication page', json: freeForm('filter and overview') } },
});

export const tlsStatsRoute = apiRoute({
  method: 'GET',
  path: '/api/tls/stats',
  tag: 'statistics',
  summary: 'TLS versions and ciphers of mail received and submitted',
  access: 'read',
  query: tlsFilter,
  responses: { 200: { description: 'the figures of the TLS page', json: freeForm('filter, overview and clientLogins') } },
});

export const tlsExportRoute = apiRoute({
  method: 'GET',
  path: '/api/tls/export',
  tag: 'statistics',
  summary: 'The TLS figures as CSV',
  access: 'read',
  query: tlsFilter,
  responses: { 200: { description: 'CSV of the filtered daily aggregates', text: { mediaType: 'text/csv' } } },
});

export const healthRoute = apiRoute({
  method: 'GET',
  path: '/api/health',
  tag: 'monitoring',
  summary: 'Whether the database is up and some mail daemon is alive',
  access: 'public',
  responses: {
    200: { description: 'a daemon has a fresh heartbeat', json: freeForm('status and each daemon\'s heartbeat age') },
    503: { description: 'no live daemon, or the database is away', json: freeForm('status') },
  },
});

export const certificateStatusRoute = apiRoute({
  method: 'GET',
  path: '/api/certificates/status',
  tag: 'monitoring',
  summary: 'Days left on the served certificates',
  access: 'public',
  query: z.object({ format: z.enum(['json', 'prometheus']).optional() }),
  responses: {
    200: { description: 'OK or WARNING (JSON, or Prometheus text with format=prometheus)', json: freeForm('status, certificates, daemons') },
    503: { description: 'CRITICAL', json: freeForm('status, certificates, daemons') },
  },
});

export const metricsRoute = apiRoute({
  method: 'GET',
  path: '/metrics',
  tag: 'monitoring',
  summary: 'Prometheus metrics of the whole cluster',
  description: 'A token of any scope, or a request from an address the monitoring settings allow.',
  access: 'read',
  responses: { 200: { description: 'Prometheus text exposition format 0.0.4', text: { mediaType: 'text/plain; version=0.0.4' } } },
});

export const openApiRoute = apiRoute({
  method: 'GET',
  path: '/api/openapi.json',
  tag: 'monitoring',
  summary: 'This description',
  access: 'read',
  responses: { 200: { description: 'OpenAPI 3.1', json: freeForm('the OpenAPI document') } },
});

export const API_ROUTES: ApiRoute[] = [
  listMailboxesRoute,
  createMailboxRoute,
  analyzeReceivedRoute,
  authenticationStatsRoute,
  tlsStatsRoute,
  tlsExportRoute,
  healthRoute,
  certificateStatusRoute,
  metricsRoute,
  openApiRoute,
];

export { errorBody };
