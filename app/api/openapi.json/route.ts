import { openApiDocument } from '@/lib/api/openapi';
import { openApiRoute } from '@/lib/api/routes';
import { withApi } from '@/lib/dal/route';

// The OpenAPI 3.1 description of every machine route, made from the schemas that validate them.
export const GET = withApi(openApiRoute, async () => Response.json(openApiDocument(), { headers: { 'cache-control': 'no-store' } }));
