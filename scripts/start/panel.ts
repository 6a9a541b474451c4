import type { Env } from '@/lib/config/env';

/** Where the admin panel binds: POSTERN_PANEL_HOST, else POSTERN_LISTEN_HOST. */
export function panelHost(env: Pick<Env, 'POSTERN_PANEL_HOST' | 'POSTERN_LISTEN_HOST'>): string {
  return env.POSTERN_PANEL_HOST || env.POSTERN_LISTEN_HOST;
}

/** The arguments npm start gives `next` (`next start -H <host> -p <port>`, or `next dev`). */
export function panelArgs(env: Pick<Env, 'POSTERN_PANEL_HOST' | 'POSTERN_LISTEN_HOST' | 'PORT'>, dev = false): string[] {
  return [dev ? 'dev' : 'start', '--hostname', panelHost(env), '--port', String(env.PORT)];
}

/** A bind address for the banner: the wildcards spelled out. */
export function describeHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? `every interface (${host})` : host;
}
