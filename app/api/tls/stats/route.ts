import { NextResponse } from 'next/server';
import { db } from '@/lib/dal/db';
import { withAdmin } from '@/lib/dal/route';
import { tlsClientLogins, tlsOverview } from '@/lib/tls-stats/panel';

// GET /api/tls/stats?from=YYYY-MM-DD&to=YYYY-MM-DD&domain=&mailbox=&direction=inbound|submission
// The TLS page's figures as JSON, within the admin's domain scope.
export const GET = withAdmin(async (req, { admin }) => {
  const p = new URL(req.url).searchParams;
  const { overview, values } = await tlsOverview(db(), admin, {
    from: p.get('from'),
    to: p.get('to'),
    domain: p.get('domain'),
    mailbox: p.get('mailbox'),
    direction: p.get('direction'),
  });
  const clients = await tlsClientLogins(db(), admin, { mailbox: p.get('mailbox') || null });
  return NextResponse.json({ filter: values, ...overview, clientLogins: clients });
});
