import { NextResponse } from 'next/server';
import { authenticationOverview } from '@/lib/auth-stats/panel';
import { db } from '@/lib/dal/db';
import { withAdmin } from '@/lib/dal/route';

// GET /api/authentication/stats?from=YYYY-MM-DD&to=YYYY-MM-DD&sender=<From domain>
// The authentication page's figures as JSON (lib/auth-stats AuthOverview), within the admin's domain scope.
export const GET = withAdmin(async (req, { admin }) => {
  const p = new URL(req.url).searchParams;
  const { overview, values } = await authenticationOverview(db(), admin, { from: p.get('from'), to: p.get('to'), sender: p.get('sender') });
  return NextResponse.json({ filter: values, ...overview });
});
