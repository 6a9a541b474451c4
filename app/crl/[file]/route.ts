import { buildCrl } from '@/lib/certificates/crl';
import { prisma } from '@/lib/db/prisma';
import { isServiceError } from '@/lib/errors';

// The CRL distribution point written into every certificate of the internal CA:
// /crl/<ca id>.crl, DER (RFC 5280 §4.2.1.13), public (allow-listed in proxy.ts).
export const dynamic = 'force-dynamic';

const UUID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.crl$/;

export async function GET(_req: Request, { params }: { params: Promise<{ file: string }> }): Promise<Response> {
  const m = (await params).file.match(UUID);
  if (!m) return new Response('not found\n', { status: 404 });
  try {
    const der = await buildCrl(prisma(), m[1]);
    return new Response(new Uint8Array(der), { headers: { 'content-type': 'application/pkix-crl', 'cache-control': 'max-age=3600' } });
  } catch (err) {
    if (isServiceError(err)) return new Response('not found\n', { status: 404 });
    throw err;
  }
}
