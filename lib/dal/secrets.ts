import 'server-only';
import { processSecrets, type Secrets } from '@/lib/config/secrets';

/** The panel's secrets: NEXTAUTH_SECRET / POSTERN_SECRET from env (npm start sets them), else the data directory's. */
export function panelSecrets(): Secrets {
  return processSecrets();
}
