import https from 'node:https';
import net from 'node:net';
import type { LookupFunction } from 'node:net';
import type { DnsResolver } from '@/lib/dns/resolver';
import { trustAnchors } from './trust';

// RFC 8461 (MTA-STS): a domain publishes `_mta-sts.<domain>` TXT "v=STSv1; id=…" and a
// policy at https://mta-sts.<domain>/.well-known/mta-sts.txt. In `enforce` mode mail goes
// only to MX hosts the policy names, only over TLS with a PKIX-valid certificate for
// the MX host name; `testing` reports failures but delivers; `none` switches it off.

export type StsMode = 'enforce' | 'testing' | 'none';

export interface StsPolicy {
  mode: StsMode;
  /** MX patterns: a host name or `*.` + a parent domain (§4.1), lowercase. */
  mx: string[];
  /** Seconds (§3.2: at most 31557600). */
  maxAge: number;
}

/** RFC 8461 §3.2: max_age has a ceiling of 31557600 seconds (about a year). */
export const MAX_AGE_LIMIT = 31_557_600;
/** §3.3: "senders SHOULD impose a limit on the response size"; 64 KiB is generous. */
export const MAX_POLICY_BYTES = 64 * 1024;

/** §3.1: the TXT record; null when it is not a (single, valid) STSv1 record. */
export function parseStsRecord(txts: string[]): { id: string } | null {
  // "records that do not begin with v=STSv1; are discarded. If the number of resulting
  // records is not one … senders MUST assume … no available MTA-STS Policy."
  const sts = txts.filter((t) => /^v=STSv1\s*(;|$)/.test(t));
  if (sts.length !== 1) return null;
  let id: string | null = null;
  for (const field of sts[0].split(';').slice(1)) {
    const m = /^\s*([A-Za-z0-9_.-]+)=([^;]*?)\s*$/.exec(field);
    if (!m) {
      if (field.trim() === '') continue; // a trailing ";" is allowed
      return null;
    }
    if (m[1] === 'id') id = m[2];
  }
  // sts-id = 1*32( ALPHA / DIGIT )
  if (!id || !/^[A-Za-z0-9]{1,32}$/.test(id)) return null;
  return { id };
}

/** §3.2: the policy body. Throws with a reason when it is invalid. */
export function parsePolicy(text: string): StsPolicy {
  // "key: value" lines separated by CRLF; LF alone is accepted (§3.2: "senders MAY …").
  const fields = new Map<string, string[]>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^([A-Za-z0-9_]+):\s*(.*?)\s*$/.exec(line);
    if (!m) throw new Error(`policy line is not "key: value": ${line.slice(0, 80)}`);
    const list = fields.get(m[1]) ?? [];
    list.push(m[2]);
    fields.set(m[1], list);
  }
  const one = (key: string): string => {
    const v = fields.get(key);
    if (!v?.length) throw new Error(`policy has no ${key}`);
    return v[0]; // §3.2: "If a key appears more than once … the first value is used" (mx excepted)
  };
  if (one('version') !== 'STSv1') throw new Error(`unknown policy version ${one('version')}`);
  const mode = one('mode');
  if (mode !== 'enforce' && mode !== 'testing' && mode !== 'none') throw new Error(`unknown policy mode ${mode}`);
  const ageText = one('max_age');
  if (!/^\d{1,10}$/.test(ageText)) throw new Error(`max_age is not a number: ${ageText}`);
  const maxAge = Math.min(Number(ageText), MAX_AGE_LIMIT);
  const mx = (fields.get('mx') ?? []).map((p) => p.toLowerCase().replace(/\.$/, ''));
  for (const p of mx) {
    if (!/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(p)) throw new Error(`invalid mx pattern ${p}`);
  }
  // §3.2: mx is required for enforce and testing ("one or more").
  if (mode !== 'none' && mx.length === 0) throw new Error('policy has no mx');
  return { mode, mx, maxAge };
}

/** §4.1: a pattern matches the host name itself, or `*.` matches exactly one left-most label. */
export function mxMatches(pattern: string, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const p = pattern.toLowerCase().replace(/\.$/, '');
  if (p.startsWith('*.')) {
    const parent = p.slice(2);
    const dot = h.indexOf('.');
    return dot > 0 && h.slice(dot + 1) === parent;
  }
  return h === p;
}

export const policyAllows = (policy: StsPolicy, host: string) => policy.mx.some((p) => mxMatches(p, host));

export interface MtaStsOptions {
  /** Extra trust anchors for the policy host's certificate (tests); added to the system's roots. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Port of the policy host (443; tests use a loopback port). */
  httpsPort?: number;
  timeoutMs?: number;
  now?: () => number;
}

/** The policy in force for a domain, or null when it has none (or mode none). */
export interface StsLookup {
  policy: StsPolicy;
  id: string;
}

export interface MtaSts {
  lookup(domain: string): Promise<StsLookup | null>;
}

interface Cached extends StsLookup {
  expires: number;
}

export function createMtaSts(resolver: DnsResolver, options: MtaStsOptions = {}): MtaSts {
  const now = options.now ?? Date.now;
  // §5.1: the cache is what keeps a downgrade attacker from stripping a known policy.
  const cache = new Map<string, Cached>();
  const ca = trustAnchors(options.ca);

  // The policy host is resolved through our resolver, like the MX hosts.
  const lookup: LookupFunction = (hostname, opts, callback) => {
    resolver.addresses(hostname).then(
      (addrs) => {
        const all = addrs.map((address) => ({ address, family: net.isIPv6(address) ? 6 : 4 }));
        if ((opts as { all?: boolean }).all) (callback as unknown as (e: null, a: typeof all) => void)(null, all);
        else callback(null, all[0].address, all[0].family);
      },
      (err: Error) => callback(Object.assign(err, { code: 'ENOTFOUND' }) as NodeJS.ErrnoException, '', 0),
    );
  };

  const fetchPolicy = (domain: string): Promise<StsPolicy> =>
    new Promise((resolve, reject) => {
      const host = `mta-sts.${domain}`;
      const req = https.request(
        {
          host,
          port: options.httpsPort ?? 443,
          path: '/.well-known/mta-sts.txt',
          method: 'GET',
          servername: host,
          ca,
          rejectUnauthorized: true, // §3.3: "the certificate … MUST be valid for the host"
          minVersion: 'TLSv1.2',
          lookup,
          agent: false,
          timeout: options.timeoutMs ?? 60_000,
          headers: { 'user-agent': 'postern-mta-sts' },
        },
        (res) => {
          // §3.3: "HTTP 3xx redirects MUST NOT be followed"; only 200 is a policy.
          if (res.statusCode !== 200) {
            res.resume();
            return reject(new Error(`policy fetch answered HTTP ${res.statusCode}`));
          }
          // §3.2: the media type is "text/plain".
          const type = String(res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
          if (type !== 'text/plain') {
            res.resume();
            return reject(new Error(`policy media type is ${type || 'missing'}, not text/plain`));
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_POLICY_BYTES) {
              req.destroy(new Error('policy larger than 64 KiB'));
              return;
            }
            chunks.push(c);
          });
          res.on('error', reject);
          res.on('end', () => {
            try {
              resolve(parsePolicy(Buffer.concat(chunks).toString('utf8')));
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('policy fetch timed out')));
      req.on('error', reject);
      req.end();
    });

  return {
    async lookup(domain) {
      const key = domain.toLowerCase();
      let cached = cache.get(key);
      if (cached && cached.expires <= now()) {
        cache.delete(key);
        cached = undefined;
      }
      let record: { id: string } | null = null;
      try {
        record = parseStsRecord(await resolver.txt(`_mta-sts.${key}`));
      } catch {
        record = null; // §5.1: no record or a failed lookup: a cached policy still applies
      }
      if (!record) return usable(cached);
      if (cached && cached.id === record.id) return usable(cached);
      try {
        const policy = await fetchPolicy(key);
        const entry: Cached = { policy, id: record.id, expires: now() + policy.maxAge * 1000 };
        cache.set(key, entry);
        return usable(entry);
      } catch {
        // §5.1: "If the policy fetch fails … continue with the previously cached policy"; none → no policy.
        return usable(cached);
      }
    },
  };
}

function usable(entry: Cached | undefined): StsLookup | null {
  if (!entry || entry.policy.mode === 'none') return null;
  return { policy: entry.policy, id: entry.id };
}
