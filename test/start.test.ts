import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, isAlive, openEmbedded, runningPort } from '@/lib/postgres/embedded';
import { lockDataDir } from '@/scripts/start/lock';
import { createTestDatabase } from '@/mail-daemon/testing/database';
import { GLOBAL_POLICY_ID, getEffectivePolicy } from '@/lib/policy';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-start-'));
// As root, Postgres runs as the postgres user, which must be able to enter the directory.
fs.chmodSync(tmp, 0o755);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function npmStart(env: Record<string, string>) {
  const result = spawnSync('node_modules/.bin/tsx', ['scripts/start.ts'], {
    // The daemon's admin port off unless a test names it: its default (8025) may be another run's.
    env: { ...process.env, DATABASE_URL: '', POSTERN_HEALTH_PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stderr: result.stderr.trim(), stdout: result.stdout };
}

describe('npm start refuses bad configuration with one line', () => {
  it('names the variable whose port is taken', async () => {
    const server = net.createServer().listen(0, '0.0.0.0');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    const { code, stderr } = npmStart({ POSTERN_DATA_DIR: path.join(tmp, 'ports'), POSTERN_SMTP_PORT: String(port) });
    server.close();
    expect(code).toBe(1);
    expect(stderr).toBe(`postern: port ${port} (POSTERN_SMTP_PORT) is already in use`);
  });

  it("checks the daemon's admin port (POSTERN_HEALTH_PORT) like the others, on POSTERN_HEALTH_HOST", async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    const [web, smtp, submission, submissions, imaps, pop3s] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    const free = { PORT: String(web), POSTERN_SMTP_PORT: String(smtp), POSTERN_SUBMISSION_PORT: String(submission), POSTERN_SUBMISSIONS_PORT: String(submissions), POSTERN_IMAPS_PORT: String(imaps), POSTERN_POP3S_PORT: String(pop3s) };
    const taken = npmStart({ POSTERN_DATA_DIR: path.join(tmp, 'health'), ...free, POSTERN_HEALTH_PORT: String(port) });
    const twice = npmStart({ POSTERN_DATA_DIR: path.join(tmp, 'health'), ...free, POSTERN_HEALTH_PORT: String(smtp) });
    server.close();
    expect(taken.code).toBe(1);
    expect(taken.stderr).toBe(`postern: port ${port} (POSTERN_HEALTH_PORT) is already in use`);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toBe(`postern: POSTERN_HEALTH_PORT and POSTERN_SMTP_PORT are both ${smtp}`);
  });

  it('says which database it cannot reach', async () => {
    const [port, web, smtp, submission, submissions, imaps] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    const { code, stderr } = npmStart({
      POSTERN_DATA_DIR: path.join(tmp, 'unreachable'),
      DATABASE_URL: `postgres://u:p@127.0.0.1:${port}/postern`,
      PORT: String(web),
      POSTERN_SMTP_PORT: String(smtp),
      POSTERN_SUBMISSION_PORT: String(submission),
      POSTERN_SUBMISSIONS_PORT: String(submissions),
      POSTERN_IMAPS_PORT: String(imaps),
    });
    expect(code).toBe(1);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(new RegExp(`^postern: cannot reach the database at 127\\.0\\.0\\.1:${port}/postern: `));
  });

  it('rejects a malformed setting', () => {
    const { code, stderr } = npmStart({ POSTERN_DATA_DIR: path.join(tmp, 'bad'), POSTERN_IMAPS_PORT: 'imaps' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^postern: invalid POSTERN_IMAPS_PORT: /);
  });

  it('refuses a POSTERN_TRUSTED_PROXIES entry that is not an address or block, naming it; the panel server and the daemon alike', () => {
    const dir = path.join(tmp, 'proxies');
    for (const [list, reason] of [['10.0.0.0/8, proxy.example', 'not an address: proxy.example'], ['192.0.2.0/33', 'bad prefix length: 192.0.2.0/33']]) {
      const { code, stderr } = npmStart({ POSTERN_DATA_DIR: dir, POSTERN_TRUSTED_PROXIES: list });
      expect({ code, stderr }).toEqual({ code: 1, stderr: `postern: invalid POSTERN_TRUSTED_PROXIES: ${reason}` });
    }
    // Run on their own (a container each), the panel server and the daemon read it the same way.
    for (const [script, name] of [['scripts/start/panel-server.ts', 'postern panel'], ['mail-daemon/main.ts', 'postern mail daemon']]) {
      const run = spawnSync('node_modules/.bin/tsx', [script], {
        env: { ...process.env, DATABASE_URL: '', POSTERN_DATA_DIR: dir, POSTERN_HEALTH_PORT: '0', POSTERN_TRUSTED_PROXIES: '10.0.0.0/8 fd00::/8, 10.1' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect({ code: run.status, stderr: run.stderr.trim() }, script).toEqual({ code: 1, stderr: `${name}: invalid POSTERN_TRUSTED_PROXIES: not an address: 10.1` });
    }
    // Nothing was started: the data directory was not even created.
    expect(fs.existsSync(dir)).toBe(false);
  });
});

describe("the README's systemd unit", () => {
  it('is a unit systemd accepts without a warning, running npm start with a stop bound above npm start\'s own', () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    const start = readme.indexOf('# /etc/systemd/system/postern.service');
    expect(start).toBeGreaterThan(0);
    const unit = readme.slice(start, readme.indexOf('```', start));
    const dir = path.join(tmp, 'systemd');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'postern.service'), unit);
    const verify = spawnSync('systemd-analyze', ['verify', path.join(dir, 'postern.service')], { encoding: 'utf8' });
    expect(verify.error).toBeUndefined();
    expect({ code: verify.status, output: (verify.stdout + verify.stderr).trim() }).toEqual({ code: 0, output: '' });
    expect(unit).toMatch(/^ExecStart=\S*npm start$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^User=postern$/m);
    expect(unit).toMatch(/^Environment=POSTERN_DATA_DIR=\/var\/lib\/postern$/m);
    // Only npm start gets the stop signal, and has longer than its own 45 s bound before SIGKILL.
    expect(unit).toMatch(/^KillMode=mixed$/m);
    expect(Number(unit.match(/^TimeoutStopSec=(\d+)$/m)?.[1])).toBeGreaterThan(45);
  });
});

describe('data directory lock', () => {
  it('refuses a second start while the first runs, and takes over a stale lock', () => {
    const dir = path.join(tmp, 'lock');
    const unlock = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(/already running on .* \(pid \d+\)/);
    unlock();
    fs.writeFileSync(path.join(dir, 'postern.pid'), '999999999');
    const again = lockDataDir(dir);
    expect(fs.readFileSync(path.join(dir, 'postern.pid'), 'utf8')).toBe(String(process.pid));
    again();
  });
});

describe('embedded Postgres in the data directory', () => {
  it('keeps data across restarts and lets a second process reuse the running cluster', async () => {
    const dir = path.join(tmp, 'pg', 'postgres');
    const first = await openEmbedded(dir, 'pw');
    const c1 = new pg.Client({ connectionString: first.url });
    await c1.connect();
    await c1.query('CREATE TABLE kept (v text)');
    await c1.query(`INSERT INTO kept VALUES ('survives')`);
    await c1.end();

    // What the CLI does while npm start runs: find the cluster, do not start another.
    const second = await openEmbedded(dir, 'pw');
    expect(second.url).toBe(first.url);
    await second.stop();
    expect(runningPort(dir)).toBeDefined();

    await first.stop();
    expect(runningPort(dir)).toBeUndefined();

    // The same port at every start, so a URL written down elsewhere keeps working.
    expect(fs.readFileSync(`${dir}.port`, 'utf8').trim()).toBe(new URL(first.url).port);
    const restarted = await openEmbedded(dir, 'pw');
    expect(restarted.url).toBe(first.url);
    const c2 = new pg.Client({ connectionString: restarted.url });
    await c2.connect();
    const { rows } = await c2.query('SELECT v FROM kept');
    await c2.end();
    await restarted.stop();
    expect(rows).toEqual([{ v: 'survives' }]);
  });
});

describe('a postmaster.pid left behind', () => {
  it('names no running cluster when its pid is gone or now runs another program', () => {
    const dir = path.join(tmp, 'stale', 'postgres');
    fs.mkdirSync(dir, { recursive: true });
    const pidFile = (pid: number) => fs.writeFileSync(path.join(dir, 'postmaster.pid'), `${pid}\n${dir}\n1700000000\n5433\n\n127.0.0.1\n`);
    pidFile(999_999_999);
    expect(runningPort(dir)).toBeUndefined();
    // A SIGKILLed postmaster's pid, since given to another program (here: this test's node).
    pidFile(process.pid);
    expect(runningPort(dir)).toBeUndefined();
  });

  it('takes a zombie for gone, and starts the cluster over its pid file: a postmaster killed where nothing reaps orphans stays one', async () => {
    const dir = path.join(tmp, 'zombie', 'postgres');
    await (await openEmbedded(dir, 'pw')).stop();
    // sh starts a short sleep, then becomes a long one that never waits for it.
    // As the user Postgres runs as: a pid it may not signal, Postgres itself takes for stale.
    const user = process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) } : {};
    const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'], ...user });
    const pid = await new Promise<number>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const state = () => {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    };
    const deadline = Date.now() + 10_000;
    while (state() !== 'Z' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(state()).toBe('Z');
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(parent.pid!)).toBe(true);
    // Postgres itself takes any pid that answers a signal for a running postmaster, a zombie's too.
    fs.writeFileSync(path.join(dir, 'postmaster.pid'), `${pid}\n${dir}\n1700000000\n${fs.readFileSync(`${dir}.port`, 'utf8').trim()}\n\n127.0.0.1\n`);
    expect(runningPort(dir)).toBeUndefined();
    const started = await openEmbedded(dir, 'pw');
    await started.stop();
    parent.kill('SIGKILL');
  });
});

describe('the embedded Postgres port', () => {
  it('refuses in one line a kept port another program took, and takes POSTERN_PG_PORT as the new one', async () => {
    const dir = path.join(tmp, 'taken', 'postgres');
    const first = await openEmbedded(dir, 'pw');
    const port = Number(new URL(first.url).port);
    await first.stop();
    const squatter = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    await expect(openEmbedded(dir, 'pw')).rejects.toThrow(`port ${port} (kept in ${dir}.port) is in use by another program; free it, or set POSTERN_PG_PORT to another port`);
    squatter.close();
    const chosen = await freePort();
    const moved = await openEmbedded(dir, 'pw', { port: chosen });
    expect(new URL(moved.url).port).toBe(String(chosen));
    await moved.stop();
    expect(fs.readFileSync(`${dir}.port`, 'utf8').trim()).toBe(String(chosen));
    expect(fs.readFileSync(`${dir}.log`, 'utf8')).toMatch(/database system is ready to accept connections/);
  });
});

describe('first admin', () => {
  it('refuses a weak ADMIN_PASSWORD in one line, then creates the admin once from the environment', async () => {
    const db = await createTestDatabase({ migrated: false });
    const prepare = (env: Record<string, string>) =>
      spawnSync('node_modules/.bin/tsx', ['scripts/prepare.ts'], {
        env: { ...process.env, DATABASE_URL: db.url, POSTERN_DATA_DIR: path.join(tmp, 'prepare'), ...env },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const weak = prepare({ ADMIN_EMAIL: 'root@example.test', ADMIN_PASSWORD: 'short' });
    expect(weak.status).toBe(1);
    expect(weak.stderr.trim()).toMatch(/^postern: ADMIN_PASSWORD: .+$/);
    expect(await db.prisma.admin.count()).toBe(0);

    const ok = prepare({ ADMIN_EMAIL: 'Root@Example.test', ADMIN_PASSWORD: 'a long enough Passphrase 7' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).not.toContain('Passphrase');
    const again = prepare({ ADMIN_EMAIL: 'other@example.test', ADMIN_PASSWORD: 'another long Passphrase 8' });
    expect(again.status).toBe(0);
    const admins = await db.prisma.admin.findMany({ select: { email: true, role: true } });
    expect(admins).toEqual([{ email: 'root@example.test', role: 'GLOBAL' }]);

    // The new install stores requireHeaderFromOwned on, audited like an admin's change; the refused
    // start stored nothing, and a later start leaves the policy as the admin has it.
    const global = () => db.prisma.policy.findUniqueOrThrow({ where: { id: GLOBAL_POLICY_ID }, select: { settings: true } });
    expect((await global()).settings).toEqual({ requireHeaderFromOwned: true });
    expect((await getEffectivePolicy(db.prisma)).requireHeaderFromOwned).toBe(true);
    const audits = await db.prisma.auditLog.findMany({ where: { action: 'policy.update' }, select: { actor: true, target: true, after: true } });
    expect(audits).toEqual([{ actor: 'system', target: 'policy:global', after: { requireHeaderFromOwned: true } }]);
    await db.prisma.policy.update({ where: { id: GLOBAL_POLICY_ID }, data: { settings: { requireHeaderFromOwned: false } } });
    expect(prepare({}).status).toBe(0);
    expect((await global()).settings).toEqual({ requireHeaderFromOwned: false });
    await db.drop();
  });
});
