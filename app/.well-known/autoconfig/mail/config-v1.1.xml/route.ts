import { getAutoconfig } from '@/lib/client-setup/http';

// Thunderbird's autoconfig on the mail domain itself: https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml
// (public, allow-listed in proxy.ts).
export const dynamic = 'force-dynamic';

export const GET = getAutoconfig;
