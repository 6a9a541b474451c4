import { getAutoconfig } from '@/lib/client-setup/http';

// Thunderbird's autoconfig on its own host: https://autoconfig.<domain>/mail/config-v1.1.xml?emailaddress=…
// (public, allow-listed in proxy.ts).
export const dynamic = 'force-dynamic';

export const GET = getAutoconfig;
