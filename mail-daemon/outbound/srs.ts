// The Sender Rewriting Scheme (Shevek, "Sender Rewriting Scheme", 2004; the scheme
// libsrs2 and Mail::SRS implement). When we forward mail for a domain we do not own,
// SPF (RFC 7208) at the next hop checks our IP against the envelope sender's domain and
// fails. SRS rewrites the reverse-path into an address at our forwarding domain that
// carries the original sender, so SPF is checked against us, and a bounce sent to the
// rewritten address comes back to us and can be passed on to the original sender:
//
//   forward  alice@example.org
//        →   SRS0=HHHH=TT=example.org=alice@fwd.example.net
//   forward  SRS0=HHHH=TT=example.org=alice@hop1.example     (already rewritten once)
//        →   SRS1=GGGG=hop1.example==HHHH=TT=example.org=alice@fwd.example.net
//
// HHHH is a truncated HMAC so nobody can use us as an open bounce relay by minting
// addresses; TT is a day stamp so captured addresses stop working after maxAgeDays.
// SRS1 keeps only the first forwarder's domain and its opaque SRS0 part: a bounce goes
// straight back to the first forwarder, which alone can check its own hash, instead of
// travelling back through every hop.

import { createHmac } from 'node:crypto';
import { splitAddress } from '@/lib/validations/address';

export interface SrsOptions {
  /** The HMAC key. Changing it invalidates every address in flight. */
  secret: string;
  /** Our forwarding domain: rewritten senders are addresses at it. */
  domain: string;
  /** How long a rewritten address accepts bounces (libsrs2's default is 21 days). */
  maxAgeDays?: number;
  /** Clock for tests; defaults to the system clock. */
  now?: () => Date;
}

export interface Srs {
  /**
   * The reverse-path to use when forwarding mail from `sender`. The null reverse-path
   * '' stays '' (RFC 5321 §4.5.5: bounces are never rewritten, they must not bounce).
   * A sender at our own domain is left alone: its bounces reach us already.
   */
  forward(sender: string): string;
  /** The address a bounce to `address` must go to, or null when it is not a valid SRS address of ours. */
  reverse(address: string): string | null;
  /** Whether the local part is in SRS0 or SRS1 form (syntax only: no hash, age or domain check). */
  isSrs(address: string): boolean;
}

// Shevek's paper §"Timestamp": day precision, two base32 characters, so 1024 slots
// (about 2.8 years) before a stamp repeats; that wrap-around is handled when checking.
const TIME_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const TIME_SLOTS = 1024;
const DAY_MS = 86_400_000;
/** libsrs2's default hash length: 4 base64 characters, 24 bits. */
const HASH_LENGTH = 4;
/** libsrs2 accepts any of these after the SRS0/SRS1 tag; we write '='. */
const SEPARATORS = '=+-';

/** "SRS0" or "SRS1" followed by a separator, in any case (MTAs may fold local parts). */
const TAGGED = /^SRS([01])[=+-]/i;

/** The shared splitter (at the last '@'); null when either side is empty. */
function partsOf(address: string): { local: string; domain: string } | null {
  const p = splitAddress(address);
  return p.local && p.domain ? p : null;
}

export function createSrs(options: SrsOptions): Srs {
  const { secret, maxAgeDays = 21 } = options;
  if (!secret) throw new Error('SRS needs a non-empty secret');
  const ours = options.domain.toLowerCase();
  if (!ours || ours.includes('@')) throw new Error(`SRS needs a domain, got "${options.domain}"`);
  if (!Number.isInteger(maxAgeDays) || maxAgeDays < 1 || maxAgeDays >= TIME_SLOTS) {
    throw new Error(`SRS maxAgeDays must be an integer from 1 to ${TIME_SLOTS - 1}`);
  }
  const clock = options.now ?? (() => new Date());
  const today = () => Math.floor(clock().getTime() / DAY_MS);

  // libsrs2 lowercases every input to the HMAC: domains are case-insensitive (RFC 5321
  // §2.4), and a relay that folds the case of our SRS local part folds the embedded
  // original local part with it, which must not break the hash.
  const hash = (...parts: string[]): string => {
    const mac = createHmac('sha1', secret);
    for (const p of parts) mac.update(p.toLowerCase());
    return mac.digest('base64').slice(0, HASH_LENGTH);
  };
  // Compared case-insensitively for the same reason (the paper accepts the lost bits).
  const hashOk = (given: string, ...parts: string[]) =>
    given.length === HASH_LENGTH && given.toLowerCase() === hash(...parts).toLowerCase();

  const stamp = (day: number): string => {
    const slot = day % TIME_SLOTS;
    return TIME_CHARS[slot >> 5] + TIME_CHARS[slot & 31];
  };
  const stampOk = (given: string): boolean => {
    if (given.length !== 2) return false;
    let then = 0;
    for (const c of given.toUpperCase()) {
      const v = TIME_CHARS.indexOf(c);
      if (v < 0) return false;
      then = (then << 5) | v;
    }
    let now = today() % TIME_SLOTS;
    // A stamp "in the future" is one from the previous cycle, i.e. long expired.
    if (now < then) now += TIME_SLOTS;
    return now - then <= maxAgeDays;
  };

  const atOurs = (domain: string) => domain.toLowerCase() === ours;

  const forward = (sender: string): string => {
    if (sender === '') return '';
    const parts = partsOf(sender);
    if (!parts) throw new Error(`SRS cannot rewrite a sender without a domain: "${sender}"`);
    const { local, domain } = parts;
    if (atOurs(domain)) return sender;

    const tag = TAGGED.exec(local);
    if (tag?.[1] === '0') {
      // SRS0 from the previous forwarder: keep its domain and its opaque part (from the
      // separator on, as the paper does), so the bounce can go straight back to it.
      const opaque = local.slice(4);
      return `SRS1=${hash(domain, opaque)}=${domain}=${opaque}@${ours}`;
    }
    if (tag?.[1] === '1') {
      // Already SRS1: the first forwarder's domain stays, only our hash is new.
      const srs1 = parseSrs1(local);
      if (srs1) return `SRS1=${hash(srs1.host, srs1.opaque)}=${srs1.host}=${srs1.opaque}@${ours}`;
    }
    const tt = stamp(today());
    return `SRS0=${hash(tt, domain, local)}=${tt}=${domain}=${local}@${ours}`;
  };

  const reverse = (address: string): string | null => {
    const parts = partsOf(address);
    if (!parts || !atOurs(parts.domain)) return null;
    const { local } = parts;
    const tag = TAGGED.exec(local);
    if (!tag) return null;

    if (tag[1] === '0') {
      const srs0 = parseSrs0(local);
      if (!srs0) return null;
      if (!hashOk(srs0.hash, srs0.stamp, srs0.domain, srs0.local)) return null;
      if (!stampOk(srs0.stamp)) return null;
      return `${srs0.local}@${srs0.domain}`;
    }
    // SRS1 carries no stamp of ours: the first forwarder checks its own when the
    // bounce reaches it. Our hash proves we minted it.
    const srs1 = parseSrs1(local);
    if (!srs1 || !hashOk(srs1.hash, srs1.host, srs1.opaque)) return null;
    return `SRS0${srs1.opaque}@${srs1.host}`;
  };

  return { forward, reverse, isSrs: (address) => TAGGED.test(partsOf(address)?.local ?? '') };
}

/** SRS0=HHHH=TT=domain=local: the domain holds no '=', the local part may. */
function parseSrs0(local: string) {
  const fields = local.slice(5).split('=');
  if (fields.length < 4) return null;
  const [hash, stamp, domain, ...rest] = fields;
  const original = rest.join('=');
  if (!hash || !stamp || !domain || !original) return null;
  return { hash, stamp, domain, local: original };
}

/** SRS1=HHHH=host=<opaque>, where opaque starts with the separator the SRS0 had. */
function parseSrs1(local: string) {
  const body = local.slice(5);
  const first = body.indexOf('=');
  if (first <= 0) return null;
  const second = body.indexOf('=', first + 1);
  if (second <= first + 1) return null;
  const opaque = body.slice(second + 1);
  if (opaque.length < 2 || !SEPARATORS.includes(opaque[0])) return null;
  return { hash: body.slice(0, first), host: body.slice(first + 1, second), opaque };
}
