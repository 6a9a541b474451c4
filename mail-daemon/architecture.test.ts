// The daemon's rooms as mail-daemon/README.md draws them, checked on the source: static
// import and export-from specifiers of every non-test file, relative and `@/` paths resolved.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DAEMON = 'mail-daemon';
// The protocol rooms speak SMTP, IMAP and POP3 to an interface; the wiring, the store and the
// database stay on the other side of it whatever the README is edited to say.
const PROTOCOL_ROOMS = ['imap/', 'pop3/', 'smtp/'];
const NEVER_FROM_PROTOCOL = ['store/', 'services/', 'delivery/'];
// A module that imports one of these (or the generated Prisma client) talks to the database.
const DATABASE_PACKAGE = /^(pg|@prisma\/.+)$/;
const LONG_FILE = 300;
const REASON = /^\/\/ Over 300 lines: \S/;

interface Import { spec: string; to: string | null; typeOnly: boolean }

const IMPORT = /^[ \t]*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(rel);
    return /\.ts$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name) ? [rel] : [];
  });
}

/** Repository-relative path of a relative or `@/` specifier; null for packages and `node:`. */
function resolve(from: string, spec: string): string | null {
  let base: string;
  if (spec.startsWith('@/')) base = spec.slice(2);
  else if (spec.startsWith('.')) base = path.posix.join(path.posix.dirname(from), spec);
  else return null;
  if (base.startsWith('lib/generated/')) return base; // the Prisma client, generated at build
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`]) {
    const full = path.join(ROOT, candidate);
    if (fs.existsSync(full) && fs.statSync(full).isFile()) return candidate;
  }
  throw new Error(`${from}: cannot resolve '${spec}'`);
}

const importCache = new Map<string, Import[]>();
function importsOf(file: string): Import[] {
  let found = importCache.get(file);
  if (!found) {
    const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
    found = [...source.matchAll(IMPORT)].map((m) => ({ spec: m[2], to: resolve(file, m[2]), typeOnly: Boolean(m[1]) }));
    importCache.set(file, found);
  }
  return found;
}

/** `imap/`, `smtp/`… for a file in a folder of the daemon, `context.ts` for one at its top. */
function roomOf(file: string): string {
  const [first, ...rest] = path.posix.relative(DAEMON, file).split('/');
  return rest.length > 0 ? `${first}/` : first;
}

const isDatabaseClient = ({ spec, to }: Import) => DATABASE_PACKAGE.test(spec) || Boolean(to?.startsWith('lib/generated/'));

/** Whether a module reaches the database through what it imports at run time (types are erased). */
function touchesDatabase(file: string): boolean {
  const seen = new Set([file]);
  for (const current of seen) {
    for (const i of importsOf(current)) {
      if (i.typeOnly) continue;
      if (isDatabaseClient(i)) return true;
      if (i.to) seen.add(i.to);
    }
  }
  return false;
}

/** README's table, folder → the daemon paths its "May import" cell allows (null: anything). */
function mayImportTable(): Map<string, string[] | null> {
  const readme = fs.readFileSync(path.join(ROOT, DAEMON, 'README.md'), 'utf8');
  const table = new Map<string, string[] | null>();
  for (const line of readme.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const folder = /^`([\w-]+\/)`$/.exec(cells[1] ?? '')?.[1];
    if (!folder || cells.length < 4) continue;
    const allowed = cells[3].split(/\bnever\b/i)[0];
    table.set(folder, /\beverything\b/i.test(allowed) ? null : [...allowed.matchAll(/`([^`]+)`/g)].map((m) => m[1]).filter((p) => !p.startsWith('lib/')));
  }
  return table;
}

const files = sourceFiles(DAEMON);

describe('mail-daemon architecture', () => {
  it('has no import cycle', () => {
    // Depth-first search; a grey file met again closes a cycle.
    const state = new Map<string, 'grey' | 'black'>();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      state.set(file, 'grey');
      for (const { to } of importsOf(file)) {
        if (!to?.startsWith(`${DAEMON}/`)) continue;
        if (state.get(to) === 'grey') cycles.push([...trail.slice(trail.indexOf(to)), to].join(' → '));
        else if (!state.has(to)) visit(to, [...trail, to]);
      }
      state.set(file, 'black');
    };
    for (const file of files) if (!state.has(file)) visit(file, [file]);
    expect(cycles).toEqual([]);
  });

  it("imports across rooms only what the README's table allows", () => {
    const table = mayImportTable();
    expect([...table.keys()]).toEqual(expect.arrayContaining([...PROTOCOL_ROOMS, 'store/', 'delivery/', 'services/']));
    const unlisted = new Set<string>();
    const offences: string[] = [];
    for (const file of files) {
      const room = roomOf(file);
      if (!room.endsWith('/')) continue; // the top-level files are the daemon's own wiring
      if (!table.has(room)) unlisted.add(room);
      const allowed = table.get(room);
      for (const { spec, to } of importsOf(file)) {
        if (!to?.startsWith(`${DAEMON}/`) || roomOf(to) === room || allowed === null || allowed === undefined) continue;
        const target = path.posix.relative(DAEMON, to);
        if (!allowed.some((p) => (p.endsWith('/') ? target.startsWith(p) : target === p))) offences.push(`${file} imports '${spec}'`);
      }
    }
    expect([...unlisted], 'folders missing from the table').toEqual([]);
    expect(offences).toEqual([]);
  });

  it('keeps the protocol rooms away from the store, the wiring and the database', () => {
    const offences: string[] = [];
    for (const file of files.filter((f) => PROTOCOL_ROOMS.includes(roomOf(f)))) {
      for (const { spec, to, typeOnly } of importsOf(file)) {
        if (isDatabaseClient({ spec, to, typeOnly })) offences.push(`${file} imports '${spec}'`);
        else if (to?.startsWith(`${DAEMON}/`) && NEVER_FROM_PROTOCOL.includes(roomOf(to))) offences.push(`${file} imports '${spec}'`);
        else if (to?.startsWith('lib/') && !typeOnly && touchesDatabase(to)) offences.push(`${file} imports '${spec}', which reaches the database`);
      }
    }
    expect(offences).toEqual([]);
  });

  it(`says at the top of every file over ${LONG_FILE} lines why it is that long`, () => {
    const unexplained = files.filter((file) => {
      const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/\n$/, '').split('\n');
      if (lines.length <= LONG_FILE) return false;
      const code = lines.findIndex((l) => !/^\s*(\/\/|\/\*|\*|$)/.test(l));
      return !lines.slice(0, code === -1 ? undefined : code).some((l) => REASON.test(l));
    });
    expect(unexplained, 'start with "// Over 300 lines: <why>"').toEqual([]);
  });
});
