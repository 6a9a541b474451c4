import { getCaCertificate } from '@/lib/certificates/list-certificates';
import { prisma } from '@/lib/db/prisma';
import { isServiceError } from '@/lib/errors';
import { pemToDer } from '@/lib/certificates/x509';

// An internal CA's certificate for clients to trust: /ca/<id>.pem or /ca/<id>.crt (DER).
// Public by nature (allow-listed in proxy.ts); never the key.
export const dynamic = 'force-dynamic';

const FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(pem|crt)$/;

export async function GET(_req: Request, { params }: { params: Promise<{ file: string }> }): Promise<Response> {
  const m = (await params).file.match(FILE);
  if (!m) return new Response('not found\n', { status: 404 });
  try {
    const { certPem } = await getCaCertificate(prisma(), m[1]);
    if (m[2] === 'crt') return new Response(new Uint8Array(pemToDer(certPem)), { headers: { 'content-type': 'application/pkix-cert' } });
    return new Response(certPem, { headers: { 'content-type': 'application/x-pem-file' } });
  } catch (err) {
    if (isServiceError(err)) return new Response('not found\n', { status: 404 });
    throw err;
  }
}
