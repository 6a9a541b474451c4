import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, openEmbedded, runningPort } from '@/lib/postgres/embedded';
import { lockDataDir } from '@/scripts/start/lock';
import { createTestDatabase } from '@/mail-daemon/testing/database';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-start-'));
// As root, Postgres runs as the postgres user, which must be able to enter the directory.
fs.chmodSync(tmp, 0o755);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function npmStart(env: Record<string, string>) {
  const result = spawnSync('node_modules/.bin/tsx', ['scripts/start.ts'], {
    env: { ...process.env, DATABASE_URL: '', ...env },
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
    await db.drop();
  });
});
