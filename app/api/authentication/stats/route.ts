import { NextResponse } from 'next/server';
import { authenticationStatsRoute } from '@/lib/api/routes';
import { authenticationOverview } from '@/lib/auth-stats/panel';
import { db } from '@/lib/dal/db';
import { withApi } from '@/lib/dal/route';

// The authentication page's figures as JSON (lib/auth-stats AuthOverview), within the caller's domain scope.
export const GET = withApi(authenticationStatsRoute, async (_req, { admin, query }) => {
  const { overview, values } = await authenticationOverview(db(), admin, { from: query.from, to: query.to, sender: query.sender });
  return NextResponse.json({ filter: values, ...overview });
});
