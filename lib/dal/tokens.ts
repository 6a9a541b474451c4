import 'server-only';
import { listTokens, type ApiTokenDto } from '@/lib/api-tokens';
import { domainChoices, type DomainChoice } from '@/lib/forms/domains';
import { db } from './db';
import { requireGlobalAdmin } from './session';

export type { ApiTokenDto, DomainChoice };
export { DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS } from '@/lib/api-tokens';

/** Every API token (never its secret or hash) and the domains a new one may be limited to; global admins only. */
export async function getApiTokens(): Promise<{ tokens: ApiTokenDto[]; domains: DomainChoice[] }> {
  const admin = await requireGlobalAdmin();
  const database = db();
  const [tokens, domains] = await Promise.all([listTokens(database, admin), domainChoices(database, admin)]);
  return { tokens, domains };
}
