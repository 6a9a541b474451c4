import { clientSettingsFor, mobileconfigXml } from '@/lib/client-setup';
import { serverFacts } from '@/lib/client-setup/http';
import { db } from '@/lib/dal/db';
import { withAdmin } from '@/lib/dal/route';
import { getMailbox } from '@/lib/mailboxes/find-mailbox';

// The Apple configuration profile for one mailbox, for the admin to hand to its user (users
// cannot sign in to the panel themselves). Domain admins: their domains only. Unsigned.
export const dynamic = 'force-dynamic';

type Ctx = { params: Promise<{ address: string }> };

export const GET = withAdmin<Ctx>(async (_req, { params, admin }) => {
  const mailbox = await getMailbox(db(), admin, { address: decodeURIComponent((await params).address) });
  const settings = await clientSettingsFor(db(), serverFacts(), { domain: mailbox.domain, address: mailbox.address });
  const file = `${mailbox.address.replace(/[^A-Za-z0-9@._-]/g, '_')}.mobileconfig`;
  return new Response(mobileconfigXml({ ...settings, address: mailbox.address }, mailbox.displayName), {
    headers: {
      'content-type': 'application/x-apple-aspen-config',
      'content-disposition': `attachment; filename="${file}"`,
      'cache-control': 'no-store',
    },
  });
});
