import { getSmimeCertificatePem } from '@/lib/certificates';
import { db } from '@/lib/dal/db';
import { withAdmin } from '@/lib/dal/route';

// The public S/MIME certificate alone (for address books / publishing).
export const GET = withAdmin<{ params: Promise<{ id: string }> }>(async (_req, { params, admin }) => {
  const { id } = await params;
  const { address, certPem } = await getSmimeCertificatePem(db(), admin, id);
  return new Response(certPem, {
    headers: { 'content-type': 'application/x-pem-file', 'content-disposition': `attachment; filename="${address.replace(/[^a-z0-9@._-]/gi, '_')}.pem"` },
  });
});
