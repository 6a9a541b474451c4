/**
 * Signs in over HTTP the way the login form does (csrf token, then next-auth's
 * credentials callback) and returns the Cookie header for later requests.
 */
export function signInHttp(baseUrl: string, email: string, password: string, code?: string): Promise<string> {
  return signInWith(baseUrl, 'credentials', { email, password, code: code ?? '' });
}

/** The same for a mailbox owner's self-service session (next-auth's "mailbox" provider). */
export function signInMailboxHttp(baseUrl: string, address: string, password: string): Promise<string> {
  return signInWith(baseUrl, 'mailbox', { address, password });
}

async function signInWith(baseUrl: string, provider: string, fields: Record<string, string>): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const csrfRes = await fetch(`${baseUrl}/api/auth/csrf`);
  keep(csrfRes);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const res = await fetch(`${baseUrl}/api/auth/callback/${provider}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
    body: new URLSearchParams({ csrfToken, ...fields, json: 'true' }),
  });
  keep(res);
  if (![...jar.keys()].some((k) => k.endsWith('session-token'))) throw new Error(`sign-in failed (${res.status})`);
  return cookie();
}
