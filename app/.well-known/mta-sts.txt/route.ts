import { getMtaStsPolicy } from '@/lib/client-setup/http';

// RFC 8461 §3.3: https://mta-sts.<domain>/.well-known/mta-sts.txt, the domain named by the
// Host header (public, allow-listed in proxy.ts).
export const dynamic = 'force-dynamic';

export const GET = getMtaStsPolicy;
