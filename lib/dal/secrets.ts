import 'server-only';
import { readEnv } from '@/lib/config/env';
import { loadSecrets, type Secrets } from '@/lib/config/secrets';

let cached: Secrets | undefined;

/** The panel's secrets: NEXTAUTH_SECRET / POSTERN_SECRET from env (npm start sets them), else the data directory's. */
export function panelSecrets(): Secrets {
  if (!cached) {
    const env = readEnv();
    if (process.env.NEXTAUTH_SECRET && process.env.POSTERN_SECRET) {
      cached = { sessionSecret: process.env.NEXTAUTH_SECRET, masterKey: process.env.POSTERN_SECRET, postgresPassword: '' };
    } else {
      cached = loadSecrets(env.dataDir);
    }
  }
  return cached;
}
