import { NextResponse } from 'next/server';
import { createMailboxRoute, listMailboxesRoute } from '@/lib/api/routes';
import { db } from '@/lib/dal/db';
import { withApi } from '@/lib/dal/route';
import { createMailbox } from '@/lib/mailboxes/create-mailbox';
import { listMailboxes } from '@/lib/mailboxes/list-mailboxes';

// JSON for machine clients (scripts, the list benchmark): the same services and scope as the page.
export const GET = withApi(listMailboxesRoute, async (_req, { admin, query }) => {
  const result = await listMailboxes(db(), admin, {
    search: query.q,
    domain: query.domain,
    sort: query.sort,
    order: query.order,
    page: query.page ?? 1,
    pageSize: query.pageSize ?? 50,
  });
  return NextResponse.json(result);
});

export const POST = withApi(createMailboxRoute, async (_req, { admin, body }) => {
  const result = await createMailbox(db(), admin, body);
  return NextResponse.json(result, { status: 201 });
});
