import { findBodyStart, parseAddressList, parseHeader } from '@/lib/mime';
import type { DkimSigningKey } from '@/lib/dkim';
import type { Logger } from '@/lib/log';
import { splitAddress } from '@/lib/validations/address';
import { normalizeDomain } from '@/lib/validations/domain';
import type { AcceptInput, AuthUser } from '../smtp/backend';
import type { DkimKeyCache } from './key-cache';
import { dkimSignatureFor, withSignature } from './sign';

/** The one header From address, or null (none, several, a group). */
function headerFromAddress(raw: Buffer): { address: string; domain: string } | null {
  const fields = parseHeader(raw, 0, findBodyStart(raw, 0, raw.length)).filter((f) => f.key === 'from');
  if (fields.length !== 1) return null;
  const list = parseAddressList(fields[0].value);
  if (list?.length !== 1 || !list[0].mailbox || !list[0].host) return null;
  try {
    return { address: `${list[0].mailbox}@${list[0].host}`, domain: normalizeDomain(list[0].host) };
  } catch {
    return null;
  }
}

/** An envelope address's domain in the ASCII form keys are stored under (smtp-server may show U-labels). */
function domainOf(address: string): string | null {
  try {
    return normalizeDomain(splitAddress(address).domain);
  } catch {
    return null;
  }
}

/**
 * Signs what we send in our domains' names before it is queued: every message an authenticated
 * user submits, and every message an alias forwards off-site. Never loses a message: a failure
 * is logged and the message accepted unsigned.
 */
export class DkimSigning {
  constructor(
    private readonly keys: DkimKeyCache,
    /** Whether the user may send as the address (the MAIL FROM rule, backend.ownsAddress). */
    private readonly ownsAddress: (user: AuthUser, address: string) => Promise<boolean>,
    private readonly log: Logger,
  ) {}

  sign(input: AcceptInput): Promise<Buffer> {
    return this.signWith(input.raw, input.queueId, () => this.keyFor(input));
  }

  /** Mail composed here in a mailbox's name (a vacation reply): signed with its domain's key. */
  signFor(raw: Buffer, domainId: string, queueId: string): Promise<Buffer> {
    return this.signWith(raw, queueId, () => this.keys.forDomainId(domainId));
  }

  private async signWith(raw: Buffer, queueId: string, pick: () => Promise<DkimSigningKey | undefined>): Promise<Buffer> {
    let key: DkimSigningKey | undefined;
    try {
      key = await pick();
      if (!key) return raw;
      const signed = withSignature(raw, await dkimSignatureFor(raw, key));
      this.log.debug({ queueId, domain: key.domain, selector: key.selector }, 'dkim signed');
      return signed;
    } catch (err) {
      this.log.error({ queueId, domain: key?.domain, selector: key?.selector, err: (err as Error).message }, 'dkim signing failed: accepted unsigned');
      return raw;
    }
  }

  /**
   * A submission: the header From's domain (DMARC aligns with it, RFC 7489 §3.1) when it has a
   * key and the user may send as that address, else the user's own domain. A forward: the
   * alias's domain (the envelope recipient it came in for), vouching for the hop we add.
   */
  private async keyFor(input: AcceptInput): Promise<DkimSigningKey | undefined> {
    if (input.authUser) {
      const from = headerFromAddress(input.raw);
      const key = from ? await this.keys.forDomain(from.domain) : undefined;
      // A From in the user's own domain is signed with that domain's key either way: no need to ask the directory.
      if (from && key && key.domainId !== input.authUser.domainId && (await this.ownsAddress(input.authUser, from.address))) return key;
      return this.keys.forDomainId(input.authUser.domainId);
    }
    if (!input.forwarded.length) return undefined;
    for (const recipient of input.recipients) {
      const domain = domainOf(recipient);
      const key = domain ? await this.keys.forDomain(domain) : undefined;
      if (key) return key;
    }
    return undefined;
  }
}
