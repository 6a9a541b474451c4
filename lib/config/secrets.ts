import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readEnv } from './env';

export interface Secrets {
  /** Signs admin sessions (NEXTAUTH_SECRET). */
  sessionSecret: string;
  /** Master key that seals private keys and TOTP secrets at rest (POSTERN_SECRET). */
  masterKey: string;
  /** Password of the embedded Postgres superuser. */
  postgresPassword: string;
}

const FILE = 'secrets.json';

// Secrets given by the environment win; the rest are generated once and kept
// (mode 0600) in the data directory so a restart finds the same ones.
export function loadSecrets(dataDir: string, env: NodeJS.ProcessEnv = process.env): Secrets {
  const file = path.join(dataDir, FILE);
  let stored: Partial<Secrets> = {};
  if (fs.existsSync(file)) stored = JSON.parse(fs.readFileSync(file, 'utf8'));
  const generated: Secrets = {
    sessionSecret: stored.sessionSecret ?? randomBytes(32).toString('base64url'),
    masterKey: stored.masterKey ?? randomBytes(32).toString('base64url'),
    postgresPassword: stored.postgresPassword ?? randomBytes(18).toString('base64url'),
  };
  if (JSON.stringify(generated) !== JSON.stringify(stored)) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o711 });
    fs.writeFileSync(file, JSON.stringify(generated, null, 2) + '\n', { mode: 0o600 });
  }
  return {
    ...generated,
    sessionSecret: env.NEXTAUTH_SECRET || generated.sessionSecret,
    masterKey: env.POSTERN_SECRET || generated.masterKey,
  };
}

let current: Secrets | undefined;

/** This process's secrets (environment first, then the data directory's), read once. */
export function processSecrets(): Secrets {
  current ??= loadSecrets(readEnv().dataDir);
  return current;
}
