import type { Env } from '@/lib/config/env';
import { ConfigError } from '@/lib/config/env';
import { listenError } from '@/lib/postgres/embedded';
import { panelHost } from './panel';

/** The ports npm start will open, each with the variable that sets it. */
export function plannedPorts(env: Env): { name: string; port: number }[] {
  const ports = [
    { name: 'PORT', port: env.PORT },
    { name: 'POSTERN_SMTP_PORT', port: env.POSTERN_SMTP_PORT },
    { name: 'POSTERN_SUBMISSION_PORT', port: env.POSTERN_SUBMISSION_PORT },
    { name: 'POSTERN_SUBMISSIONS_PORT', port: env.POSTERN_SUBMISSIONS_PORT },
    { name: 'POSTERN_IMAPS_PORT', port: env.POSTERN_IMAPS_PORT },
  ];
  if (env.POSTERN_IMAP_PORT) ports.push({ name: 'POSTERN_IMAP_PORT', port: env.POSTERN_IMAP_PORT });
  if (env.POSTERN_HTTPS_PORT) ports.push({ name: 'POSTERN_HTTPS_PORT', port: env.POSTERN_HTTPS_PORT });
  return ports;
}

/** Fails with one line naming the variable when a port is taken, before anything starts. */
export async function assertPortsFree(env: Env): Promise<void> {
  const seen = new Map<number, string>();
  for (const { name, port } of plannedPorts(env)) {
    const twice = seen.get(port);
    if (twice) throw new ConfigError(`${name} and ${twice} are both ${port}`);
    seen.set(port, name);
    // The panel binds where POSTERN_PANEL_HOST says; the mail listeners on POSTERN_LISTEN_HOST.
    const err = await listenError(port, name === 'PORT' || name === 'POSTERN_HTTPS_PORT' ? panelHost(env) : env.POSTERN_LISTEN_HOST);
    if (err?.code === 'EADDRINUSE') throw new ConfigError(`port ${port} (${name}) is already in use`);
    if (err?.code === 'EACCES') throw new ConfigError(`port ${port} (${name}) needs privileges this user lacks`);
    if (err) throw new ConfigError(`port ${port} (${name}): ${err.message}`);
  }
}
