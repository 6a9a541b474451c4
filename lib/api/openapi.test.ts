import fs from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from './openapi';
import * as routes from './routes';
import { API_ROUTES } from './routes';

// The description is valid OpenAPI 3.1 and names every machine route the build has: each
// route file's exported methods under app/api/ (and /metrics) have a contract, and each contract
// a route file that exports its method and wraps it with that contract.

/** next-auth's own sign-in protocol: not ours to describe. */
const UNDESCRIBED = new Set(['/api/auth/{nextauth}']);

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? routeFiles(p) : e.name === 'route.ts' ? [p] : [];
  });
}

const urlPath = (file: string) =>
  '/' + path.dirname(path.relative('app', file)).split(path.sep).filter((s) => !/^\(.*\)$/.test(s))
    .map((s) => s.replace(/^\[(?:\.\.\.)?(.+)\]$/, '{$1}')).join('/');

const exportedMethods = (source: string) =>
  [...source.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b|as (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1] ?? m[2]);

const files = [...routeFiles('app/api'), 'app/metrics/route.ts'];

describe('/api/openapi.json', () => {
  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(openApiDocument() as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every method of every route file, and nothing else', () => {
    const inFiles = files.flatMap((f) => exportedMethods(fs.readFileSync(f, 'utf8')).map((m) => `${m} ${urlPath(f)}`))
      .filter((r) => !UNDESCRIBED.has(r.split(' ')[1])).sort();
    const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const described = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    expect(inFiles.length).toBeGreaterThanOrEqual(10);
    expect(described).toEqual(inFiles);
  });

  it('each route file validates with its own contract', () => {
    const byFile = new Map(files.map((f) => [urlPath(f), fs.readFileSync(f, 'utf8')]));
    // The contracts' export names, to find which one a route file wraps.
    const exported = Object.entries(routes).filter(([, v]) => API_ROUTES.includes(v as never));
    for (const [name, route] of exported as [string, (typeof API_ROUTES)[number]][]) {
      const source = byFile.get(route.path);
      expect(source, route.path).toBeDefined();
      expect(source, `${route.method} ${route.path}`).toMatch(new RegExp(`export const ${route.method} = (withApi|publicApi|withMetricsAccess)\\(${name}\\b`));
    }
    expect(exported.length).toBe(API_ROUTES.length);
  });
});
