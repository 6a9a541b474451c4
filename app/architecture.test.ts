// The panel reads one way: a page or layout (and the server components it renders) asks the data
// access layer (lib/dal/), which checks the session itself and returns what the page shows.
// Checked on the source: static import and export-from specifiers, relative and `@/` paths resolved.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// A module that imports one of these (or the generated Prisma client) talks to the database.
const DATABASE_PACKAGE = /^(pg|@prisma\/.+)$/;
// Never named by a page or component, not even for a type: a page holds no database handle.
const DATABASE_MODULE = /^lib\/(dal\/db\.ts|db\/|generated\/)/;
// The services' transaction-or-client handle type.
const DB_HANDLE_TYPES = 'lib/audit/types.ts';
const DB_CALL = /\b(db|prisma)\(\)/;
// Pages that render without anyone signed in, and why they need no session from lib/dal/.
const PUBLIC = new Map([
  ['app/layout.tsx', 'the document shell around every page, no data'],
  ['app/(auth)/layout.tsx', 'the frame of the sign-in pages, no data'],
]);

interface Import { spec: string; to: string | null; typeOnly: boolean }

const IMPORT = /^[ \t]*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

function walk(dir: string, keep: (name: string) => boolean): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return walk(rel, keep);
    return keep(entry.name) ? [rel] : [];
  });
}

/** Repository-relative path of a relative or `@/` specifier; null for packages and `node:`. */
function resolve(from: string, spec: string): string | null {
  let base: string;
  if (spec.startsWith('@/')) base = spec.slice(2);
  else if (spec.startsWith('.')) base = path.posix.join(path.posix.dirname(from), spec);
  else return null;
  if (base.startsWith('lib/generated/')) return base; // the Prisma client, generated at build
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`]) {
    const full = path.join(ROOT, candidate);
    if (fs.existsSync(full) && fs.statSync(full).isFile()) return candidate;
  }
  // A stylesheet or another asset the bundler handles.
  if (/\.(css|svg|png|json)$/.test(base)) return null;
  throw new Error(`${from}: cannot resolve '${spec}'`);
}

const importCache = new Map<string, Import[]>();
function importsOf(file: string, source = fs.readFileSync(path.join(ROOT, file), 'utf8')): Import[] {
  let found = importCache.get(file);
  if (!found) {
    found = [...source.matchAll(IMPORT)].map((m) => ({ spec: m[2], to: resolve(file, m[2]), typeOnly: Boolean(m[1]) }));
    importCache.set(file, found);
  }
  return found;
}

const isDatabaseClient = ({ spec, to }: Import) => DATABASE_PACKAGE.test(spec) || Boolean(to?.startsWith('lib/generated/'));

/**
 * Whether a module is, or at run time imports, one that talks to the database or takes a handle
 * to it: a service (lib/<area>/) gets the database passed in, so it names its type (`Db`, `DbOrTx`)
 * and never the client; either way it belongs behind lib/dal/.
 */
function reachesDatabase(file: string): boolean {
  const seen = new Set([file]);
  for (const current of seen) {
    for (const i of importsOf(current)) {
      if (isDatabaseClient(i) || (i.to && (DATABASE_MODULE.test(i.to) || i.to === DB_HANDLE_TYPES))) return true;
      if (!i.typeOnly && i.to) seen.add(i.to);
    }
  }
  return false;
}

/** What is wrong with one page, layout or component: the database named, called, or reached past the DAL. */
function offencesOf(file: string, source: string): string[] {
  const out: string[] = [];
  for (const i of importsOf(file, source)) {
    if (isDatabaseClient(i) || (i.to && DATABASE_MODULE.test(i.to))) out.push(`${file} imports '${i.spec}'`);
    else if (!i.typeOnly && i.to?.startsWith('lib/') && !i.to.startsWith('lib/dal/') && reachesDatabase(i.to)) {
      out.push(`${file} imports '${i.spec}', a service that takes or reaches the database: read through lib/dal/ instead`);
    }
  }
  if (DB_CALL.test(source.replace(/\/\/.*$/gm, ''))) out.push(`${file} calls db()`);
  return out;
}

const isView = (name: string) => /\.tsx$/.test(name);
const views = [...walk('app', isView), ...walk('components', isView)];
const pages = views.filter((f) => f.startsWith('app/') && /\/(page|layout)\.tsx$/.test(f));
const dalModules = walk('lib/dal', (n) => /\.ts$/.test(n) && !/\.(test|d)\.ts$/.test(n));

describe('panel data access', () => {
  it('finds the pages and layouts it checks', () => {
    expect(pages.length).toBeGreaterThan(40);
    expect(pages).toEqual(expect.arrayContaining(['app/(admin)/aliases/page.tsx', 'app/(account)/account/page.tsx', 'app/(admin)/layout.tsx']));
  });

  it('flags a page that reads the database itself (positive control)', () => {
    const file = 'app/(admin)/example/page.tsx';
    const source = [
      "import { db } from '@/lib/dal/db';",
      "import { listAliases } from '@/lib/aliases';",
      'export default async function Page() { return listAliases(db(), null as never, {}); }',
    ].join('\n');
    expect(offencesOf(file, source)).toEqual([
      `${file} imports '@/lib/dal/db'`,
      `${file} imports '@/lib/aliases', a service that takes or reaches the database: read through lib/dal/ instead`,
      `${file} calls db()`,
    ]);
    importCache.delete(file);
  });

  it('no page, layout or component names the database, calls db() or imports a service that reaches it', () => {
    const offences = views.flatMap((file) => offencesOf(file, fs.readFileSync(path.join(ROOT, file), 'utf8')));
    expect(offences).toEqual([]);
  });

  it('every page and layout behind a sign-in reads through lib/dal/, which checks the session', () => {
    const unchecked = pages.filter((file) => !PUBLIC.has(file) && !importsOf(file).some((i) => !i.typeOnly && i.to?.startsWith('lib/dal/')));
    expect(unchecked, `or list it in PUBLIC with the reason`).toEqual([]);
    for (const file of PUBLIC.keys()) expect(pages, 'a PUBLIC entry names no page').toContain(file);
  });

  it("every lib/dal module that reaches the database is 'server-only'", () => {
    const open = dalModules.filter((file) => reachesDatabase(file) && !/^import 'server-only';$/m.test(fs.readFileSync(path.join(ROOT, file), 'utf8')));
    expect(open).toEqual([]);
  });
});
