import { NextResponse, type NextRequest } from 'next/server';

// Optimistic only: a request without a session cookie is sent to the login page (pages)
// or refused (API) before any rendering. The real check is requireAdmin() in
// lib/dal, run by every page, Server Action and route handler.
//
// Also the security headers of every response it sees (pages, route handlers, redirects,
// errors and 404s): a Content-Security-Policy with a fresh nonce per request, which Next
// reads from the request's own CSP header and puts on its scripts. Static files
// (_next/static, favicon) skip the proxy; next.config.js gives them the other headers.

/** Outlook asks for /Autodiscover/Autodiscover.xml as often as this: route() sends any capitalisation here. */
const AUTODISCOVER_PATH = '/autodiscover/autodiscover.xml';

/** Paths anyone may reach. Everything else needs a session. */
export const PUBLIC_PATHS = [
  '/login', '/api/auth', '/api/health',
  // The mailbox owners' self-service sign-in (the rest of /account needs their session).
  '/account/login',
  // Certificates: ACME HTTP-01 answers, CRLs and CA certificates (public by nature),
  // and the expiry status monitoring reads (only what any TLS client already sees).
  '/.well-known/acme-challenge', '/crl', '/ca', '/api/certificates/status',
  // Mail client discovery (Thunderbird autoconfig, Outlook autodiscover) and the RFC 8461
  // MTA-STS policy: asked for by clients and senders that have no session by nature.
  '/.well-known/autoconfig/mail/config-v1.1.xml', '/mail/config-v1.1.xml', AUTODISCOVER_PATH, '/.well-known/mta-sts.txt',
  // Prometheus scrapes: the route itself asks for a token or an allowed address (app/metrics).
  '/metrics',
];

const SESSION_COOKIES = ['next-auth.session-token', '__Secure-next-auth.session-token'];

function isPublic(pathname: string): boolean {
  return PUBLIC_PATHS.some((p) => pathname === p || pathname.startsWith(`${p}/`));
}

/** The request's path for the server (lib/dal/session.ts), overwriting anything a client sent. */
export const PATH_HEADER = 'x-postern-path';

/**
 * Scripts: only those carrying this request's nonce, and what they load ('strict-dynamic';
 * 'self' is the fallback for browsers without it). Styles need 'unsafe-inline': React
 * style attributes (quota bars, the charts) cannot carry a nonce, and a nonce in
 * style-src would switch 'unsafe-inline' off. `next dev` needs 'unsafe-eval'; production does not.
 */
export function contentSecurityPolicy(nonce: string, dev = process.env.NODE_ENV === 'development'): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The same list next.config.js sends with static files. */
export const STATIC_SECURITY_HEADERS: Record<string, string> = {
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Permissions-Policy':
    'accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), serial=(), usb=()',
};

export const HSTS = 'max-age=31536000';

/**
 * HTTPS as the browser saw it: over plain HTTP, HTTPS means a TLS proxy in front that
 * says so in X-Forwarded-Proto (the panel's own HTTPS port sets it, too). A client forging
 * the header over plain HTTP gains nothing: browsers ignore HSTS received without TLS (RFC 6797 §8.1).
 */
function overHttps(request: NextRequest): boolean {
  const forwarded = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return request.nextUrl.protocol === 'https:' || forwarded === 'https';
}

function secure(request: NextRequest, response: NextResponse, csp: string): NextResponse {
  response.headers.set('Content-Security-Policy', csp);
  for (const [name, value] of Object.entries(STATIC_SECURITY_HEADERS)) response.headers.set(name, value);
  if (overHttps(request)) response.headers.set('Strict-Transport-Security', HSTS);
  return response;
}

function next(request: NextRequest, csp: string, rewriteTo?: URL): NextResponse {
  const headers = new Headers(request.headers);
  headers.set(PATH_HEADER, request.nextUrl.pathname);
  // Next takes the nonce for its own scripts from the request's CSP header.
  headers.set('Content-Security-Policy', csp);
  return rewriteTo ? NextResponse.rewrite(rewriteTo, { request: { headers } }) : NextResponse.next({ request: { headers } });
}

function route(request: NextRequest, csp: string): NextResponse {
  const { pathname, search } = request.nextUrl;
  if (pathname !== AUTODISCOVER_PATH && pathname.toLowerCase() === AUTODISCOVER_PATH) return next(request, csp, new URL(AUTODISCOVER_PATH, request.url));
  if (isPublic(pathname)) return next(request, csp);
  const hasSession = SESSION_COOKIES.some((name) => request.cookies.has(name));
  if (hasSession) return next(request, csp);
  // Machine clients: the route wrapper (lib/dal/route.ts withApi) checks the token.
  if (pathname.startsWith('/api/') && request.headers.has('authorization')) return next(request, csp);
  if (pathname.startsWith('/api/')) {
    return NextResponse.json({ error: { code: 'unauthorized', message: 'sign in first' } }, { status: 401 });
  }
  const login = new URL(pathname === '/account' || pathname.startsWith('/account/') ? '/account/login' : '/login', request.url);
  if (pathname !== '/') login.searchParams.set('callbackUrl', pathname + search);
  return NextResponse.redirect(login);
}

export function proxy(request: NextRequest) {
  const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(18))));
  const csp = contentSecurityPolicy(nonce);
  return secure(request, route(request, csp), csp);
}

export const config = {
  // Static assets and Next's internals never need a session.
  matcher: ['/((?!_next/static|_next/image|favicon.ico|robots.txt).*)'],
};
