import type { Env } from '@/lib/config/env';
import { ConfigError } from '@/lib/config/env';
import { listenError } from '@/lib/postgres/embedded';
import { panelHost } from './panel';

/** The ports npm start will open, each with the variable that sets it and the address it binds. */
export function plannedPorts(env: Env): { name: string; port: number; host: string }[] {
  // The panel binds where POSTERN_PANEL_HOST says, the daemon's admin port on
  // POSTERN_HEALTH_HOST (loopback), the mail listeners on POSTERN_LISTEN_HOST.
  const mail = env.POSTERN_LISTEN_HOST;
  const ports = [
    { name: 'PORT', port: env.PORT, host: panelHost(env) },
    { name: 'POSTERN_SMTP_PORT', port: env.POSTERN_SMTP_PORT, host: mail },
    { name: 'POSTERN_SUBMISSION_PORT', port: env.POSTERN_SUBMISSION_PORT, host: mail },
    { name: 'POSTERN_SUBMISSIONS_PORT', port: env.POSTERN_SUBMISSIONS_PORT, host: mail },
    { name: 'POSTERN_IMAPS_PORT', port: env.POSTERN_IMAPS_PORT, host: mail },
    { name: 'POSTERN_POP3S_PORT', port: env.POSTERN_POP3S_PORT, host: mail },
  ];
  if (env.POSTERN_IMAP_PORT) ports.push({ name: 'POSTERN_IMAP_PORT', port: env.POSTERN_IMAP_PORT, host: mail });
  if (env.POSTERN_POP3_PORT) ports.push({ name: 'POSTERN_POP3_PORT', port: env.POSTERN_POP3_PORT, host: mail });
  if (env.POSTERN_HTTPS_PORT) ports.push({ name: 'POSTERN_HTTPS_PORT', port: env.POSTERN_HTTPS_PORT, host: panelHost(env) });
  // 0 turns the daemon's admin port off.
  if (env.POSTERN_HEALTH_PORT) ports.push({ name: 'POSTERN_HEALTH_PORT', port: env.POSTERN_HEALTH_PORT, host: env.POSTERN_HEALTH_HOST });
  return ports;
}

/** Fails with one line naming the variable when a port is taken, before anything starts. */
export async function assertPortsFree(env: Env): Promise<void> {
  const seen = new Map<number, string>();
  for (const { name, port, host } of plannedPorts(env)) {
    const twice = seen.get(port);
    if (twice) throw new ConfigError(`${name} and ${twice} are both ${port}`);
    seen.set(port, name);
    const err = await listenError(port, host);
    if (err?.code === 'EADDRINUSE') throw new ConfigError(`port ${port} (${name}) is already in use`);
    if (err?.code === 'EACCES') throw new ConfigError(`port ${port} (${name}) needs privileges this user lacks`);
    if (err) throw new ConfigError(`port ${port} (${name}): ${err.message}`);
  }
}
