import { NextResponse } from 'next/server';
import { tlsStatsRoute } from '@/lib/api/routes';
import { db } from '@/lib/dal/db';
import { withApi } from '@/lib/dal/route';
import { tlsClientLogins, tlsOverview } from '@/lib/tls-stats/panel';

// The TLS page's figures as JSON, within the caller's domain scope.
export const GET = withApi(tlsStatsRoute, async (_req, { admin, query }) => {
  const { overview, values } = await tlsOverview(db(), admin, query);
  const clients = await tlsClientLogins(db(), admin, { mailbox: query.mailbox ?? null });
  return NextResponse.json({ filter: values, ...overview, clientLogins: clients });
});
