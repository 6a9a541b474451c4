import { answerAcmeChallenge } from '@/lib/certificates/acme';
import { prisma } from '@/lib/db/prisma';

// RFC 8555 §8.3 HTTP-01: the ACME server fetches this without a session (public,
// allow-listed in proxy.ts). Answers only tokens of a pending order, as text/plain.
export const dynamic = 'force-dynamic';

export async function GET(_req: Request, { params }: { params: Promise<{ token: string }> }): Promise<Response> {
  const { token } = await params;
  const answer = await answerAcmeChallenge(prisma(), token);
  if (!answer) return new Response('not found\n', { status: 404, headers: { 'content-type': 'text/plain' } });
  return new Response(answer, { status: 200, headers: { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' } });
}
