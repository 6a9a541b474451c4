import { certificateStatusRoute } from '@/lib/api/routes';
import { certificateStatus, toPrometheus } from '@/lib/certificates/status';
import { publicApi } from '@/lib/dal/route';
import { prisma } from '@/lib/db/prisma';

// For monitoring (Icinga/Nagios check_http with a JSON or string match, or Prometheus):
// ACTIVE certificates with days left, a worst-of status, each live daemon's served fingerprint,
// the daemons gone without a replacement (a WARNING, like no live daemon at all).
// Public (allow-listed in proxy.ts): it shows only what any TLS client can see.
// ?format=prometheus for text exposition. HTTP 200 for OK/WARNING, 503 for CRITICAL.
export const dynamic = 'force-dynamic';

export const GET = publicApi(certificateStatusRoute, async (_req, { query }) => {
  const full = await certificateStatus(prisma());
  // Public: daemons are numbered, not named (instance ids carry host names and pids).
  const report = {
    ...full,
    daemons: full.daemons.map((d, i) => ({ ...d, instanceId: `daemon-${i + 1}` })),
    missing: full.missing.map((d, i) => ({ ...d, instanceId: `gone-${i + 1}` })),
  };
  const code = report.status === 'CRITICAL' ? 503 : 200;
  if (query.format === 'prometheus') {
    return new Response(toPrometheus(report), { status: code, headers: { 'content-type': 'text/plain; version=0.0.4', 'cache-control': 'no-store' } });
  }
  return Response.json(report, { status: code, headers: { 'cache-control': 'no-store' } });
});
