import NextAuth from 'next-auth';
import { authOptions } from '@/lib/dal/auth-options';

// next-auth's own endpoints (csrf, callback/credentials, session, signout): public by
// nature, listed in proxy.ts's allow-list. Options are built per request so the
// secret is read at run time, not at build time.
async function handler(req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) {
  return NextAuth(req as never, ctx as never, authOptions());
}

export { handler as GET, handler as POST };
