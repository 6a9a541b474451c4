// `npm start`: everything Postern needs from one command. Resolves the database
// (embedded Postgres in the data directory when DATABASE_URL is unset), migrates,
// makes sure an admin exists, then runs the admin panel and the mail daemon as
// separate processes with prefixed logs. Whatever ends on its own (panel, daemon, the
// embedded Postgres) is started again after a wait (supervise.ts) while the rest keeps
// running; only Ctrl-C or SIGTERM stops everything, in bounded time.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, readEnv } from '@/lib/config/env';
import { loadSecrets } from '@/lib/config/secrets';
import { migrate } from '@/lib/db/migrate';
import { resolveDatabase } from '@/lib/db/resolve';
import type { EmbeddedCluster } from '@/lib/postgres/embedded';
import { noteChildren, stopLeftovers } from './start/leftovers';
import { AlreadyRunning, lockDataDir } from './start/lock';
import { assertPortsFree } from './start/ports';
import { startChild, type Running } from './start/children';
import { ensureFirstAdmin } from './start/first-admin';
import { describeHost, panelCommand, panelHost } from './start/panel';
import { superviseEmbedded, type SupervisedCluster } from './start/postgres';
import { supervise } from './start/supervise';

const dev = process.argv.includes('--dev');
const bin = (name: string) => path.join('node_modules', '.bin', name);
const say = (line: string) => process.stdout.write(`[postern] ${line}\n`);
/** Past this, a shutdown that is still waiting on something exits anyway. */
const SHUTDOWN_LIMIT_MS = 45_000;

/** A program from node_modules/.bin, or a TypeScript file run by Node itself with tsx's loader (one process, so its pid is the program's). */
function command(name: 'next' | 'tsx', args: string[]): [string, string[]] {
  return name === 'tsx' ? [process.execPath, ['--import', 'tsx', ...args]] : [bin(name), args];
}

async function buildPanelIfMissing(env: NodeJS.ProcessEnv, running: { stop(): Promise<void>; kill(): void }[]): Promise<void> {
  if (dev || fs.existsSync(path.join(process.env.NEXT_DIST_DIR ?? '.next', 'BUILD_ID'))) return;
  say('building the admin panel (first start only; `npm run build` rebuilds it after an update)…');
  const build = startChild('build', bin('next'), ['build'], env);
  running.push(build);
  if ((await build.exited).code !== 0) throw new ConfigError('the admin panel build failed (see the [build] lines above)');
}

async function main(): Promise<void> {
  // Output to a terminal or pipe that has gone away (EPIPE) is lost, and nothing more: it must
  // neither end npm start, leaving its programs unsupervised, nor loop through the fault handler below.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  const env = readEnv();
  const unlock = lockDataDir(env.dataDir);
  const children = noteChildren(env.dataDir);
  /** The panel and the daemon (or the build before them): stopped first, side by side. */
  const running: { stop(): Promise<void>; kill(): void }[] = [];
  // A promise, so that a Ctrl-C while the database starts still stops what it started.
  let cluster: Promise<EmbeddedCluster | SupervisedCluster> | undefined;
  let database: EmbeddedCluster | SupervisedCluster | undefined;
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const started = running.length > 0;
    if (started) say('stopping…');
    // Every stop below is bounded (SIGKILL after a grace); this is the bound on their sum.
    // Past it, whatever is left is killed: nothing npm start ran outlives it.
    setTimeout(() => {
      say(`still not stopped after ${SHUTDOWN_LIMIT_MS / 1000} s; killing what is left`);
      for (const r of running) r.kill();
      if (database && 'kill' in database) database.kill();
      unlock();
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    await Promise.all(running.map((r) => r.stop()));
    await (await cluster?.catch(() => undefined))?.stop();
    children.clear();
    unlock();
    if (started) say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  // The terminal went away (its programs, in groups of their own, are not told): stop them too.
  process.on('SIGHUP', () => void shutdown(0));
  // A fault in npm start itself must not leave its programs running without it (they run in
  // process groups of their own, so nothing else would stop them): it stops them, then exits.
  const fault = (err: unknown) => {
    report(err);
    void shutdown(1);
  };
  process.on('uncaughtException', fault);
  process.on('unhandledRejection', fault);

  try {
    await stopLeftovers(env.dataDir, say);
    await assertPortsFree(env);
    const secrets = loadSecrets(env.dataDir);
    cluster = env.DATABASE_URL ? resolveDatabase(env) : superviseEmbedded(env, secrets.postgresPassword, say);
    database = await cluster;
    if (stopping) return;
    await migrate(database.url);
    const admin = await ensureFirstAdmin(database.url, env);
    if (stopping) return;

    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      NEXTAUTH_SECRET: secrets.sessionSecret,
      NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://localhost:${env.PORT}`,
      POSTERN_SECRET: secrets.masterKey,
      POSTERN_DATA_DIR: env.dataDir,
      POSTERN_HOSTNAME: env.POSTERN_HOSTNAME,
      NEXT_TELEMETRY_DISABLED: '1',
      // Every password check (argon2id) takes 19 MiB; glibc would keep such blocks in its
      // arenas after they are freed. Allocations from 1 MiB up are mapped and given back instead.
      MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '1048576',
    };
    await buildPanelIfMissing(childEnv, running);
    if (stopping) return;
    running.length = 0;

    const web = panelCommand(env, dev);
    const programs: [string, [string, string[]]][] = [
      ['web', command(web.bin, web.args)],
      ['daemon', command('tsx', ['mail-daemon/main.ts'])],
    ];
    for (const [name, [file, args]] of programs) {
      // A Ctrl-C during the steps above has already stopped what was running: start nothing more.
      if (stopping) return;
      const start = async (): Promise<Running> => {
        const run = startChild(name, file, args, childEnv);
        children.add(name, run.pid);
        void run.exited.then(() => children.remove(run.pid));
        return run;
      };
      const first = await start();
      if (stopping) {
        await first.stop();
        return;
      }
      running.push(supervise(name, first, start, say));
      say(`${name} started (pid ${first.pid})`);
    }

    say(`admin panel: ${childEnv.NEXTAUTH_URL} — listening on ${describeHost(panelHost(env))} port ${env.PORT}${env.POSTERN_HTTPS_PORT ? `, HTTPS ${env.POSTERN_HTTPS_PORT} (HTTP redirects there)` : ''}`);
    say(`mail: SMTP ${env.POSTERN_SMTP_PORT}, submission ${env.POSTERN_SUBMISSION_PORT} (STARTTLS), submissions ${env.POSTERN_SUBMISSIONS_PORT} (TLS), IMAPS ${env.POSTERN_IMAPS_PORT}${env.POSTERN_IMAP_PORT ? `, IMAP ${env.POSTERN_IMAP_PORT} (STARTTLS)` : ''}, POP3S ${env.POSTERN_POP3S_PORT}${env.POSTERN_POP3_PORT ? `, POP3 ${env.POSTERN_POP3_PORT} (STLS)` : ''} — listening on ${describeHost(env.POSTERN_LISTEN_HOST)}, host name ${env.POSTERN_HOSTNAME}`);
    say(`data: ${env.dataDir}${'port' in database ? ` (embedded Postgres in ${path.join(env.dataDir, 'postgres')}, port ${database.port}, log ${database.log})` : ' (database from DATABASE_URL)'}`);
    if (admin.generatedPassword) {
      say(`first admin created — sign in with:`);
      say(`    email:    ${admin.email}`);
      say(`    password: ${admin.generatedPassword}`);
      say(`  (shown only this once; the panel asks for a new password at the first sign-in)`);
    } else if (admin.created) {
      say(`first admin created: ${admin.email} (password from ADMIN_PASSWORD)`);
    }
    say('press Ctrl-C to stop');
  } catch (err) {
    // What fails because Ctrl-C stopped it (the build, the database under a migration) is no news.
    if (stopping) return;
    report(err);
    await shutdown(1);
  }
}

function report(err: unknown): void {
  const oneLine = err instanceof ConfigError || err instanceof AlreadyRunning;
  process.stderr.write(`postern: ${oneLine ? (err as Error).message : (err as Error).stack}\n`);
}

main().catch((err) => {
  report(err);
  process.exit(1);
});
