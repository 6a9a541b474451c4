import { getCertificate } from '@/lib/certificates';
import { db } from '@/lib/dal/db';
import { jsonError, withAdmin } from '@/lib/dal/route';

// PEM download of a server certificate's chain (or its CSR): certificates only, never the key.
export const GET = withAdmin<{ params: Promise<{ id: string }> }>(async (req, { params, admin }) => {
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/.test(id)) return jsonError(404, 'not_found', 'no such certificate');
  const cert = await getCertificate(db(), admin, id);
  const csr = new URL(req.url).searchParams.get('kind') === 'csr';
  const body = csr ? cert.csrPem : cert.certPem;
  if (!body) return jsonError(404, 'not_found', csr ? 'no CSR for this certificate' : 'no certificate yet');
  const name = `${cert.hosts[0] ?? 'certificate'}${csr ? '.csr' : '.pem'}`.replace(/[^a-z0-9._-]/gi, '_');
  return new Response(body, {
    headers: { 'content-type': csr ? 'application/pkcs10' : 'application/x-pem-file', 'content-disposition': `attachment; filename="${name}"` },
  });
});
