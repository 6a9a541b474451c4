import { postAutodiscover } from '@/lib/client-setup/http';

// Outlook's POX autodiscover, at https://<domain>/ and https://autodiscover.<domain>/ (public,
// allow-listed in proxy.ts, which also sends /Autodiscover/Autodiscover.xml here).
export const dynamic = 'force-dynamic';

export const POST = postAutodiscover;
