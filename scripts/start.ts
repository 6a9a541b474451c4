// `npm start`: everything Postern needs from one command. Resolves the database
// (embedded Postgres in the data directory when DATABASE_URL is unset), migrates,
// makes sure an admin exists, then runs the admin panel and the mail daemon as
// separate processes with prefixed logs, and stops them all on Ctrl-C.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, readEnv } from '@/lib/config/env';
import { loadSecrets } from '@/lib/config/secrets';
import { migrate } from '@/lib/db/migrate';
import { resolveDatabase } from '@/lib/db/resolve';
import { AlreadyRunning, lockDataDir } from './start/lock';
import { assertPortsFree } from './start/ports';
import { startChild, stopChild, type Child } from './start/children';
import { ensureFirstAdmin } from './start/first-admin';
import { describeHost, panelCommand, panelHost } from './start/panel';

const dev = process.argv.includes('--dev');
const bin = (name: string) => path.join('node_modules', '.bin', name);
const say = (line: string) => process.stdout.write(`[postern] ${line}\n`);

async function buildPanelIfMissing(env: NodeJS.ProcessEnv): Promise<void> {
  if (dev || fs.existsSync(path.join(process.env.NEXT_DIST_DIR ?? '.next', 'BUILD_ID'))) return;
  say('building the admin panel (first start only; `npm run build` rebuilds it after an update)…');
  const build = startChild('build', bin('next'), ['build'], env);
  if ((await build.exited) !== 0) throw new ConfigError('the admin panel build failed (see the [build] lines above)');
}

async function main(): Promise<void> {
  const env = readEnv();
  const unlock = lockDataDir(env.dataDir);
  const children: Child[] = [];
  let cluster: Awaited<ReturnType<typeof resolveDatabase>> | undefined;
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const started = children.length > 0;
    if (started) say('stopping…');
    await Promise.all(children.map((c) => stopChild(c)));
    await cluster?.stop();
    unlock();
    if (started) say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    await assertPortsFree(env);
    const secrets = loadSecrets(env.dataDir);
    cluster = await resolveDatabase(env);
    await migrate(cluster.url);
    const admin = await ensureFirstAdmin(cluster.url, env);

    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: cluster.url,
      NEXTAUTH_SECRET: secrets.sessionSecret,
      NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://localhost:${env.PORT}`,
      POSTERN_SECRET: secrets.masterKey,
      POSTERN_DATA_DIR: env.dataDir,
      POSTERN_HOSTNAME: env.POSTERN_HOSTNAME,
      NEXT_TELEMETRY_DISABLED: '1',
    };
    await buildPanelIfMissing(childEnv);
    if (stopping) return;

    const web = panelCommand(env, dev);
    children.push(startChild('web', bin(web.bin), web.args, childEnv));
    children.push(startChild('daemon', bin('tsx'), ['mail-daemon/main.ts'], childEnv));
    for (const child of children) {
      void child.exited.then((code) => {
        if (!stopping) {
          say(`${child.name} exited (code ${code}); stopping everything`);
          void shutdown(1);
        }
      });
    }

    say(`admin panel: ${childEnv.NEXTAUTH_URL} — listening on ${describeHost(panelHost(env))} port ${env.PORT}${env.POSTERN_HTTPS_PORT ? `, HTTPS ${env.POSTERN_HTTPS_PORT} (HTTP redirects there)` : ''}`);
    say(`mail: SMTP ${env.POSTERN_SMTP_PORT}, submission ${env.POSTERN_SUBMISSION_PORT} (STARTTLS), submissions ${env.POSTERN_SUBMISSIONS_PORT} (TLS), IMAPS ${env.POSTERN_IMAPS_PORT}${env.POSTERN_IMAP_PORT ? `, IMAP ${env.POSTERN_IMAP_PORT} (STARTTLS)` : ''} — listening on ${describeHost(env.POSTERN_LISTEN_HOST)}, host name ${env.POSTERN_HOSTNAME}`);
    say(`data: ${env.dataDir}${env.DATABASE_URL ? ' (database from DATABASE_URL)' : ' (embedded Postgres in ' + path.join(env.dataDir, 'postgres') + ')'}`);
    if (admin.generatedPassword) {
      say(`first admin created — sign in with:`);
      say(`    email:    ${admin.email}`);
      say(`    password: ${admin.generatedPassword}`);
      say(`  (shown only this once; change it in the panel under Admins)`);
    } else if (admin.created) {
      say(`first admin created: ${admin.email} (password from ADMIN_PASSWORD)`);
    }
    say('press Ctrl-C to stop');
  } catch (err) {
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
