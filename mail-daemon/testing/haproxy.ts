// Debian's HAProxy (/usr/sbin/haproxy) in front of daemons, for tests and benchmarks that need
// a real TCP load balancer: mode tcp, PROXY protocol v2 to every server (so the daemons see
// the client's address), layer-4 health checks, one frontend per service on a free loopback
// port. Runs in the foreground (-db) as a child of the test.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@/lib/postgres/embedded';

export const HAPROXY_BIN = process.env.HAPROXY_PATH ?? '/usr/sbin/haproxy';

export interface HaproxyServer {
  /** The server's name in HAProxy (its stats, its logs). */
  name: string;
  port: number;
}

export interface HaproxyRoute {
  /** Frontend and backend name, e.g. "mx". */
  name: string;
  servers: HaproxyServer[];
}

export interface ServerState {
  backend: string;
  server: string;
  /** "UP", "DOWN", "MAINT", "no check"… as HAProxy's stats say it. */
  status: string;
  /** Sessions this server has been given since HAProxy started. */
  sessions: number;
}

export interface RunningHaproxy {
  /** Each route's frontend port on 127.0.0.1. */
  ports: Record<string, number>;
  config: string;
  /** HAProxy's own log lines (one per connection, option tcplog). */
  output: string[];
  /** The servers' state from the stats socket (show stat). */
  servers(): Promise<ServerState[]>;
  stop(): Promise<void>;
}

/**
 * The configuration for `routes`: every server gets `send-proxy-v2` (the health checks then
 * carry the header too, as a LOCAL command, so a daemon that requires it answers them) and
 * `check`; a connection refused by a dead server is retried on the other (`option redispatch 1`).
 */
export function haproxyConfig(routes: HaproxyRoute[], ports: Record<string, number>, statsSocket: string): string {
  const lines = [
    'global',
    '  log stdout format raw local0 info',
    `  stats socket ${statsSocket} mode 600 level admin`,
    '  maxconn 2000',
    '',
    'defaults',
    '  mode tcp',
    '  log global',
    '  option tcplog',
    '  timeout connect 2s',
    '  timeout client 2m',
    '  timeout server 2m',
    '  timeout check 1s',
    '  retries 3',
    '  option redispatch 1',
  ];
  for (const route of routes) {
    lines.push(
      '',
      `frontend ${route.name}`,
      `  bind 127.0.0.1:${ports[route.name]}`,
      `  default_backend ${route.name}`,
      '',
      `backend ${route.name}`,
      '  balance roundrobin',
      '  default-server send-proxy-v2 check inter 500ms fall 2 rise 1',
      ...route.servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port}`),
    );
  }
  return lines.join('\n') + '\n';
}

/** HAProxy with one frontend per route, started and listening; its servers are not waited for (see waitForServers). */
export async function startHaproxy(routes: HaproxyRoute[]): Promise<RunningHaproxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-haproxy-'));
  const ports: Record<string, number> = {};
  for (const r of routes) ports[r.name] = await freePort();
  const socket = path.join(dir, 'admin.sock');
  const config = haproxyConfig(routes, ports, socket);
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, config);
  const child: ChildProcess = spawn(HAPROXY_BIN, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (d: Buffer) => output.push(...d.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const stop = async () => {
    if (!gone) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Ready when the stats socket answers and every frontend accepts.
    await until(async () => {
      if (gone) throw new Error(`haproxy exited: ${output.slice(-10).join('\n')}`);
      await statsCommand(socket, 'show info');
      for (const port of Object.values(ports)) await connectOnce(port);
      return true;
    }, 10_000, 'haproxy did not start');
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    ports,
    config,
    output,
    servers: async () => parseStat(await statsCommand(socket, 'show stat')),
    stop,
  };
}

/** Polls HAProxy's stats until every server of every backend shows `status` (e.g. "UP"). */
export async function waitForServers(haproxy: RunningHaproxy, predicate: (s: ServerState) => boolean, timeoutMs = 10_000): Promise<ServerState[]> {
  let last: ServerState[] = [];
  await until(async () => {
    last = await haproxy.servers();
    return last.length > 0 && last.every(predicate);
  }, timeoutMs, () => `haproxy servers: ${JSON.stringify(last)}`);
  return last;
}

function parseStat(csv: string): ServerState[] {
  const [head, ...rows] = csv.split('\n').filter(Boolean);
  const cols = head.replace(/^# /, '').split(',');
  const at = (name: string) => cols.indexOf(name);
  return rows
    .map((r) => r.split(','))
    .filter((f) => f[at('svname')] !== 'FRONTEND' && f[at('svname')] !== 'BACKEND')
    .map((f) => ({ backend: f[at('pxname')], server: f[at('svname')], status: f[at('status')], sessions: Number(f[at('stot')]) }));
}

function statsCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ path: socketPath });
    let out = '';
    s.on('connect', () => s.write(command + '\n'));
    s.on('data', (d) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

function connectOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

/** Polls `check` (every 100 ms) until it returns true; fails after `timeoutMs` with the last error or `message`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, message: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      if (await check()) return;
      lastError = null;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const text = typeof message === 'string' ? message : message();
      throw new Error(lastError ? `${text}: ${(lastError as Error).message}` : text);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
