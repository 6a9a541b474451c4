import type { Env } from '@/lib/config/env';

/** Where the admin panel binds: POSTERN_PANEL_HOST, else POSTERN_LISTEN_HOST. */
export function panelHost(env: Pick<Env, 'POSTERN_PANEL_HOST' | 'POSTERN_LISTEN_HOST'>): string {
  return env.POSTERN_PANEL_HOST || env.POSTERN_LISTEN_HOST;
}

/**
 * How npm start runs the panel: in production our own server around Next's handler
 * (panel-server.ts, which owns the socket and so the client address), in development
 * `next dev -H <host> -p <port>`.
 */
export function panelCommand(env: Pick<Env, 'POSTERN_PANEL_HOST' | 'POSTERN_LISTEN_HOST' | 'PORT'>, dev = false): { bin: 'next' | 'tsx'; args: string[] } {
  if (dev) return { bin: 'next', args: ['dev', '--hostname', panelHost(env), '--port', String(env.PORT)] };
  return { bin: 'tsx', args: [PANEL_SERVER] };
}

/** The production panel server, relative to the project root. */
export const PANEL_SERVER = 'scripts/start/panel-server.ts';

/** A bind address for the banner: the wildcards spelled out. */
export function describeHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? `every interface (${host})` : host;
}
