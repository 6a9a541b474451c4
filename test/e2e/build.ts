import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// One production build of the panel per source version, shared by every test file
// and every concurrent vitest run that has the same sources:
//   .next/cache/postern-e2e/<hash of the sources>/
// Under .next/ (ignored by git, tsc and eslint) and under its cache/ (which `next
// build` of the main app keeps when it cleans .next). Each build has its own distDir,
// so its own Next build lock, and its own tsconfig (next build rewrites the tsconfig
// it is given), so the shared tsconfig.json is never touched. Two runs that need the
// same build serialise on flock(1); runs with different sources build side by side.

export const ROOT = path.resolve(import.meta.dirname, '../..');
const BUILDS = path.join(ROOT, '.next/cache/postern-e2e');
const SOURCES = ['app', 'components', 'lib', 'prisma/schema.prisma', 'proxy.ts', 'next.config.js', 'postcss.config.mjs', 'package-lock.json', 'tsconfig.json'];
// A build unused for this long goes (each is ~100 MB; runs touch theirs when they start).
const KEEP_MS = 60 * 60 * 1000;
/** Builds kept regardless of age (besides the current one), e.g. for runs on other branches. */
const KEEP_COUNT = 4;
/** A build a run started on within this long may still be serving that run. */
const BUSY_MS = 20 * 60 * 1000;

function walk(p: string, out: string[]): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(p);
  } catch {
    return;
  }
  if (stat.isDirectory()) {
    const base = path.basename(p);
    if (base === 'generated' || base === 'node_modules' || base.startsWith('.')) return;
    for (const entry of fs.readdirSync(p).sort()) walk(path.join(p, entry), out);
  } else if (stat.isFile() && !/\.test\.tsx?$/.test(p)) {
    out.push(p);
  }
}

/** A hash of everything the build reads. */
export function sourceHash(): string {
  const files: string[] = [];
  for (const s of SOURCES) walk(path.join(ROOT, s), files);
  const hash = createHash('sha256');
  for (const f of files) {
    hash.update(path.relative(ROOT, f));
    hash.update('\0');
    hash.update(fs.readFileSync(f));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function prune(keep: string): void {
  if (!fs.existsSync(BUILDS)) return;
  const now = Date.now();
  const builds = fs
    .readdirSync(BUILDS)
    .filter((entry) => entry !== keep && !entry.endsWith('.lock') && !entry.endsWith('.json'))
    .map((entry) => {
      try {
        return { dir: path.join(BUILDS, entry), used: fs.statSync(path.join(BUILDS, entry)).mtimeMs };
      } catch {
        return null;
      }
    })
    .filter((b): b is { dir: string; used: number } => b !== null)
    .sort((a, b) => b.used - a.used);
  builds.forEach((b, i) => {
    // Old ones go; beyond the newest few, anything no run has started on for a while.
    if (now - b.used > KEEP_MS || (i >= KEEP_COUNT && now - b.used > BUSY_MS)) {
      fs.rmSync(b.dir, { recursive: true, force: true });
      fs.rmSync(`${b.dir}.tsconfig.json`, { force: true });
    }
  });
}

export interface PanelBuild {
  /** distDir relative to the repository (what NEXT_DIST_DIR must say when the panel server starts). */
  distDir: string;
  tsconfig: string;
  /** Seconds spent building or waiting for another run's build (about 0 when reused). */
  seconds: number;
}

/** Builds the panel for the current sources, or reuses the build that exists. */
export async function ensureBuild(log: (line: string) => void = () => {}): Promise<PanelBuild> {
  const hash = sourceHash();
  const dir = path.join(BUILDS, hash);
  const distDir = path.relative(ROOT, dir);
  const tsconfig = path.relative(ROOT, path.join(BUILDS, `${hash}.tsconfig.json`));
  fs.mkdirSync(BUILDS, { recursive: true });
  prune(hash);
  const started = Date.now();
  if (!fs.existsSync(path.join(dir, 'BUILD_ID'))) {
    fs.writeFileSync(
      path.join(ROOT, tsconfig),
      JSON.stringify({ extends: path.relative(BUILDS, path.join(ROOT, 'tsconfig.json')) }, null, 2) + '\n',
    );
    const env = { ...process.env, NEXT_DIST_DIR: distDir, NEXT_TSCONFIG_PATH: tsconfig, NEXT_TELEMETRY_DISABLED: '1' };
    // flock: a second run with the same sources waits here, then finds BUILD_ID and skips.
    const script = `test -f '${distDir}/BUILD_ID' || node node_modules/next/dist/bin/next build`;
    await new Promise<void>((resolve, reject) => {
      const child = spawn('flock', [path.join(BUILDS, `${hash}.lock`), 'sh', '-c', script], { cwd: ROOT, env });
      let output = '';
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        for (const line of chunk.toString().split('\n')) if (line.trim()) log(line);
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`next build failed (${code}):\n${output.slice(-4000)}`))));
    });
  }
  const now = new Date();
  fs.utimesSync(dir, now, now);
  return { distDir, tsconfig, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

/** For `tsx test/e2e/build.ts`: build (or find) the panel and print where. */
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const b = await ensureBuild((l) => console.log(l));
  console.log(JSON.stringify(b));
}
