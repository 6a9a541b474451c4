import { withAdmin } from '@/lib/dal/route';
import { getDomainZoneFile } from '@/lib/dal/dns';

/** The domain's expected records as a BIND zone file, for an admin to import at the DNS host. */
export const GET = withAdmin<{ params: Promise<{ name: string }> }>(async (_req, { params }) => {
  const name = decodeURIComponent((await params).name);
  const zone = await getDomainZoneFile(name);
  const file = name.toLowerCase().replace(/[^a-z0-9.-]/g, '_');
  return new Response(zone, {
    headers: {
      'Content-Type': 'text/dns; charset=utf-8',
      'Content-Disposition': `attachment; filename="${file}.zone"`,
      'Cache-Control': 'no-store',
    },
  });
});
