// Connection slots of one listener: a total, a share per client address and per network
// (/24 for IPv4, /64 for IPv6), and a reserve near the top that only a client from an
// address we have not seen lately, or one that authenticates quickly, can take. Used by
// the SMTP and IMAP listeners alike (mail-daemon/smtp/server.ts, mail-daemon/imap/server.ts).
//
// The attack this answers: 50 addresses × 20 idle connections used to hold every MX
// slot (new clients got 421). With a per-/24 share, addresses of one network together hold at most that share;
// spread over many networks they fill the listener only up to the reserve, which a new
// client still gets.
import net from 'node:net';

export interface SlotLimits {
  /** All connections of the listener. */
  maxTotal: number;
  /** Connections from one address. */
  maxPerIp: number;
  /** Connections from one /24 (IPv4) or /64 (IPv6). */
  maxPerPrefix: number;
  /** The top `reserve` slots: only unseen addresses, or (where clients authenticate) a connection on probation. */
  reserve: number;
  /** How long an address counts as seen after its last connection attempt. */
  seenMs: number;
}

export type SlotRefusal = 'per-ip' | 'per-prefix' | 'full';

export interface Slot {
  readonly ip: string;
  /**
   * Admitted into the reserve on probation (a seen address on a listener where clients
   * authenticate): the listener closes it unless it authenticates in time.
   */
  readonly probation: boolean;
  /** The client authenticated: no longer on probation. */
  authenticated(): void;
  /** Gives the slot back (idempotent). */
  release(): void;
}

export type Admission = { ok: true; slot: Slot } | { ok: false; reason: SlotRefusal };

/** Addresses remembered as seen, at most; the oldest are forgotten first. */
const MAX_SEEN = 100_000;

/** The address without an IPv4-mapped prefix (what our logs and limits use). */
export function normalizeIp(ip: string | undefined): string {
  return (ip ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

function expandV6(ip: string): string[] | null {
  const [head, tail, more] = ip.split('::');
  if (more !== undefined) return null;
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail ? tail.split(':') : [];
  const last = (tail !== undefined ? right : left).at(-1);
  // An embedded IPv4 tail takes two groups.
  if (last && net.isIPv4(last)) {
    const o = last.split('.').map(Number);
    const groups = [((o[0] << 8) | o[1]).toString(16), ((o[2] << 8) | o[3]).toString(16)];
    if (tail !== undefined) right.splice(-1, 1, ...groups);
    else left.splice(-1, 1, ...groups);
  }
  const fill = tail !== undefined ? 8 - left.length - right.length : 0;
  if (fill < 0) return null;
  return [...left, ...Array(fill).fill('0'), ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** The network an address is counted in: a.b.c/24, or the first four groups /64. */
export function prefixOf(ip: string): string {
  const a = normalizeIp(ip);
  if (net.isIPv4(a)) return a.split('.').slice(0, 3).join('.') + '.0/24';
  if (net.isIPv6(a)) {
    const groups = expandV6(a);
    if (groups) return groups.slice(0, 4).join(':') + '::/64';
  }
  return a;
}

export class ConnectionSlots {
  private total = 0;
  private onProbation = 0;
  private readonly perIp = new Map<string, number>();
  private readonly perPrefix = new Map<string, number>();
  /** Address → last attempt (ms), oldest first. */
  private readonly seen = new Map<string, number>();

  constructor(
    readonly limits: SlotLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.total;
  }

  from(ip: string): number {
    return this.perIp.get(normalizeIp(ip)) ?? 0;
  }

  /**
   * Admits a connection from `ip`, or says why not. `canAuthenticate`: the listener
   * authenticates its clients (submission, IMAP), so a seen address may take a reserve
   * slot on probation; MX only lets unseen addresses into the reserve.
   */
  acquire(rawIp: string, canAuthenticate: boolean): Admission {
    const ip = normalizeIp(rawIp);
    const prefix = prefixOf(ip);
    const unseen = !this.recentlySeen(ip) && !this.perPrefix.has(prefix);
    this.markSeen(ip);
    const { maxTotal, maxPerIp, maxPerPrefix, reserve } = this.limits;
    if ((this.perIp.get(ip) ?? 0) >= maxPerIp) return { ok: false, reason: 'per-ip' };
    if ((this.perPrefix.get(prefix) ?? 0) >= maxPerPrefix) return { ok: false, reason: 'per-prefix' };
    if (this.total >= maxTotal) return { ok: false, reason: 'full' };
    let probation = false;
    if (this.total >= maxTotal - reserve && !unseen) {
      // Half the reserve at most goes to probation, so unseen clients always find room.
      if (!canAuthenticate || this.onProbation >= Math.floor(reserve / 2)) return { ok: false, reason: 'full' };
      probation = true;
    }
    return { ok: true, slot: this.take(ip, prefix, probation) };
  }

  private take(ip: string, prefix: string, probation: boolean): Slot {
    this.total++;
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    this.perPrefix.set(prefix, (this.perPrefix.get(prefix) ?? 0) + 1);
    if (probation) this.onProbation++;
    let released = false;
    const slot = {
      ip,
      probation,
      authenticated: () => {
        if (slot.probation && !released) this.onProbation--;
        slot.probation = false;
      },
      release: () => {
        if (released) return;
        released = true;
        if (slot.probation) this.onProbation--;
        this.total--;
        decrement(this.perIp, ip);
        decrement(this.perPrefix, prefix);
        this.markSeen(ip);
      },
    };
    return slot;
  }

  private recentlySeen(ip: string): boolean {
    const at = this.seen.get(ip);
    return at !== undefined && this.now() - at < this.limits.seenMs;
  }

  private markSeen(ip: string): void {
    this.seen.delete(ip);
    this.seen.set(ip, this.now());
    if (this.seen.size > MAX_SEEN) this.seen.delete(this.seen.keys().next().value as string);
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 1) - 1;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}
