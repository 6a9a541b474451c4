import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs (one object per line) for the daemon, CLI internals and start script. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { name } });
}
