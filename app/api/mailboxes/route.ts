import { NextResponse } from 'next/server';
import { db } from '@/lib/dal/db';
import { withAdmin } from '@/lib/dal/route';
import { listMailboxes, type MailboxSort } from '@/lib/mailboxes/list-mailboxes';

// JSON list for machine clients (scripts, the list benchmark): the same service and
// scope as the page. GET /api/mailboxes?q=&domain=&sort=&order=&page=&pageSize=
export const GET = withAdmin(async (req, { admin }) => {
  const p = new URL(req.url).searchParams;
  const result = await listMailboxes(db(), admin, {
    search: p.get('q') ?? undefined,
    domain: p.get('domain') || undefined,
    sort: (p.get('sort') as MailboxSort) ?? undefined,
    order: p.get('order') === 'desc' ? 'desc' : 'asc',
    page: Number(p.get('page')) || 1,
    pageSize: Number(p.get('pageSize')) || 50,
  });
  return NextResponse.json(result);
});
