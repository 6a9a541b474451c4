/**
 * The hop chain of one delivered message: our hop (fact, from the SMTP receipt) on top of the hops
 * its Received headers claim. Pure functions, shared by delivery, rescan, the analyzer and the panel.
 */
import type { ParsedHeader } from '@/lib/mime';
import { normalizeTlsVersion, parseHops, type ReceivedHop, type TlsVersion } from '@/lib/received';

/** Weakest-first order of what a hop can be. */
export const STRENGTH = ['none', 'unknown', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type HopStrength = (typeof STRENGTH)[number];

export function strengthOf(hop: { tls: { used: boolean | null; version: TlsVersion | null } }): HopStrength | null {
  if (hop.tls.used === null) return null; // not transport: does not count
  if (hop.tls.used === false) return 'none';
  return hop.tls.version ?? 'unknown';
}

export function weaker(a: HopStrength, b: HopStrength): HopStrength {
  return STRENGTH.indexOf(a) <= STRENGTH.indexOf(b) ? a : b;
}

/** Below TLS 1.2 (or cleartext): what the dashboard calls out. */
export function isWeak(s: HopStrength): boolean {
  return STRENGTH.indexOf(s) < STRENGTH.indexOf('TLSv1.2');
}

export interface OurHop {
  queueId: string;
  /** as Node reports it ("TLSv1.3", "TLSv1"), or null for cleartext */
  tlsVersion: string | null;
  cipher: string | null;
  bits: number | null;
  mode: string | null;
}

export type StoredHop = Omit<ReceivedHop, 'raw'>;

export interface ChainSummary {
  ourTlsVersion: HopStrength;
  ourTls: boolean;
  pathTls: boolean;
  pathWeakest: HopStrength;
  hopCount: number;
  cleartextHops: number;
  /** claimed hops below ours, topmost first */
  claimed: StoredHop[];
}

/** Our own Received header is the topmost one, carrying our queue id; everything below is claimed. */
export function claimedHops(hops: ReceivedHop[], queueId: string | null): StoredHop[] {
  const rest = hops.length > 0 && queueId !== null && hops[0].id === queueId ? hops.slice(1) : hops;
  return rest.map((h) => {
    const { raw: _raw, ...stored } = h;
    return stored;
  });
}

export function summarizeChain(our: OurHop, rawOrHops: Buffer | string | ParsedHeader | ReceivedHop[]): ChainSummary {
  const hops = Array.isArray(rawOrHops) ? rawOrHops : parseHops(rawOrHops);
  const claimed = claimedHops(hops, our.queueId);
  const ourTls = our.tlsVersion !== null;
  const ourStrength: HopStrength = ourTls ? (normalizeTlsVersion(our.tlsVersion) ?? 'unknown') : 'none';
  let weakest = ourStrength;
  let cleartext = ourTls ? 0 : 1;
  let allTls = ourTls;
  for (const h of claimed) {
    const s = strengthOf(h);
    if (s === null) continue;
    weakest = weaker(weakest, s);
    if (s === 'none') {
      cleartext++;
      allTls = false;
    }
  }
  return {
    ourTlsVersion: ourStrength,
    ourTls,
    pathTls: allTls,
    pathWeakest: weakest,
    hopCount: claimed.length + 1,
    cleartextHops: cleartext,
    claimed,
  };
}
