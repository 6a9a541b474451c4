import { readEnv } from '@/lib/config/env';
import { prisma } from '@/lib/db/prisma';
import { hostNameOf } from '@/lib/dns-records/host-name';
import { isServiceError } from '@/lib/errors';
import { readBoundedText } from '@/lib/http/bounded-text';
import { createLogger } from '@/lib/log';
import { domainMtaStsPolicy } from '@/lib/mta-sts/domain-policy';
import { getEffectivePolicy } from '@/lib/policy';
import { normalizeAddress } from '@/lib/validations/address';
import { autoconfigXml } from './autoconfig';
import { autodiscoverXml, MAX_AUTODISCOVER_REQUEST_BYTES, readAutodiscoverRequest } from './autodiscover';
import { clientSettingsFor, findEnabledDomain, type ServerFacts } from './domain';
import { domainBelow } from './host';

// The public discovery endpoints (no session: allow-listed in proxy.ts), shared by the
// routes that serve the same document under several paths. Errors are one line of text;
// nothing internal reaches the client.

const log = createLogger('client-setup');

/** The host name as the DNS page writes it into the MX and the MTA-STS policy it computes the id from. */
export function serverFacts(): ServerFacts {
  const env = readEnv();
  return { hostname: hostNameOf(env), imapStartTls: env.POSTERN_IMAP_PORT !== undefined, pop3StartTls: env.POSTERN_POP3_PORT !== undefined };
}

function text(status: number, body: string): Response {
  return new Response(`${body}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
}

function xml(body: string, contentType = 'application/xml; charset=utf-8'): Response {
  return new Response(body, { headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
}

async function answer(req: Request, work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (err) {
    if (isServiceError(err)) return text(err.code === 'not_found' ? 404 : 400, err.message);
    log.error({ err, url: req.url }, 'client setup request failed');
    return text(500, 'internal error');
  }
}

/**
 * GET config-v1.1.xml[?emailaddress=…]: Thunderbird's autoconfig. The domain is the address's;
 * without one, the Host header's (autoconfig.<domain>, or <domain> for /.well-known/).
 */
export function getAutoconfig(req: Request): Promise<Response> {
  return answer(req, async () => {
    const url = new URL(req.url);
    const given = url.searchParams.get('emailaddress');
    const address = given ? normalizeAddress(given, 'emailaddress') : null;
    const host = req.headers.get('host');
    const domain = address?.domain ?? domainBelow(host, 'autoconfig') ?? host?.replace(/:\d+$/, '') ?? '';
    const settings = await clientSettingsFor(prisma(), serverFacts(), { domain, address: address?.address });
    return xml(autoconfigXml(settings));
  });
}

/** POST /autodiscover/autodiscover.xml: Outlook's POX autodiscover for the address in the request. */
export function postAutodiscover(req: Request): Promise<Response> {
  return answer(req, async () => {
    const body = await readBoundedText(req, MAX_AUTODISCOVER_REQUEST_BYTES);
    if (body === null) return text(413, `an autodiscover request is at most ${MAX_AUTODISCOVER_REQUEST_BYTES} bytes`);
    const { address, domain } = readAutodiscoverRequest(body);
    const settings = await clientSettingsFor(prisma(), serverFacts(), { domain, address });
    return xml(autodiscoverXml({ ...settings, address }), 'text/xml; charset=utf-8');
  });
}

/** GET /.well-known/mta-sts.txt on mta-sts.<domain> (RFC 8461 §3.3): the domain's policy as text/plain. */
export function getMtaStsPolicy(req: Request): Promise<Response> {
  return answer(req, async () => {
    const name = domainBelow(req.headers.get('host'), 'mta-sts');
    const domain = name ? await findEnabledDomain(prisma(), name) : null;
    if (!domain) return text(404, 'no MTA-STS policy here: ask mta-sts.<domain> for one of this server’s domains');
    const policy = await getEffectivePolicy(prisma(), domain.id);
    const body = domainMtaStsPolicy(policy.mtaSts, serverFacts().hostname);
    if (!body) return text(404, `${domain.name} publishes no MTA-STS policy (mode none)`);
    // §3.3: text/plain; senders cache by max_age, so a short HTTP cache is harmless.
    return new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'max-age=300' } });
  });
}
