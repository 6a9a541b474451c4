import { NextResponse, type NextRequest } from 'next/server';

// Optimistic only: a request without a session cookie is sent to the login page (pages)
// or refused (API) before any rendering. The real check is requireAdmin() in
// lib/dal, run by every page, Server Action and route handler.

/** Paths anyone may reach. Everything else needs a session. */
export const PUBLIC_PATHS = [
  '/login', '/api/auth', '/api/health',
  // Certificates: ACME HTTP-01 answers, CRLs and CA certificates (public by nature),
  // and the expiry status monitoring reads (only what any TLS client already sees).
  '/.well-known/acme-challenge', '/crl', '/ca', '/api/certificates/status',
];

const SESSION_COOKIES = ['next-auth.session-token', '__Secure-next-auth.session-token'];

function isPublic(pathname: string): boolean {
  return PUBLIC_PATHS.some((p) => pathname === p || pathname.startsWith(`${p}/`));
}

/** The request's path for the server (lib/dal/session.ts), overwriting anything a client sent. */
export const PATH_HEADER = 'x-postern-path';

function next(request: NextRequest): NextResponse {
  const headers = new Headers(request.headers);
  headers.set(PATH_HEADER, request.nextUrl.pathname);
  return NextResponse.next({ request: { headers } });
}

export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (isPublic(pathname)) return next(request);
  const hasSession = SESSION_COOKIES.some((name) => request.cookies.has(name));
  if (hasSession) return next(request);
  if (pathname.startsWith('/api/')) {
    return NextResponse.json({ error: { code: 'unauthorized', message: 'sign in first' } }, { status: 401 });
  }
  const login = new URL('/login', request.url);
  if (pathname !== '/') login.searchParams.set('callbackUrl', pathname + search);
  return NextResponse.redirect(login);
}

export const config = {
  // Static assets and Next's internals never need a session.
  matcher: ['/((?!_next/static|_next/image|favicon.ico|robots.txt).*)'],
};
