// ENVELOPE and BODY/BODYSTRUCTURE as wire values (RFC 3501 7.4.2), from the typed
// MIME data the store computed once at delivery.
import type { BodyParams, BodyStructure, Envelope, EnvelopeAddress } from '../backend';
import type { WireValue } from './encode';

function addresses(list: EnvelopeAddress[] | null): WireValue {
  if (!list || list.length === 0) return null;
  return list.map((a) => [a.name, a.adl, a.mailbox, a.host]);
}

export function envelopeValue(e: Envelope): WireValue {
  const from = addresses(e.from);
  // RFC 3501: sender and reply-to default to from when absent.
  const sender = e.sender && e.sender.length ? addresses(e.sender) : from;
  const replyTo = e.replyTo && e.replyTo.length ? addresses(e.replyTo) : from;
  return [e.date, e.subject, from, sender, replyTo, addresses(e.to), addresses(e.cc), addresses(e.bcc), e.inReplyTo, e.messageId];
}

function params(p: BodyParams): WireValue {
  if (!p || p.length === 0) return null;
  return p.flatMap(([k, v]) => [k, v]);
}

/** BODYSTRUCTURE when `extended`, BODY otherwise. */
export function bodyStructureValue(b: BodyStructure, extended: boolean): WireValue {
  const ext = (): WireValue[] => [
    b.disposition ? [b.disposition.type, params(b.disposition.params)] : null,
    b.language && b.language.length ? (b.language.length === 1 ? b.language[0] : b.language) : null,
    b.location,
  ];
  if (b.kind === 'multipart') {
    const out: WireValue[] = [...b.parts.map((p) => bodyStructureValue(p, extended)), b.subtype];
    if (extended) out.push(params(b.params), ...ext());
    // RFC 3501 needs at least one part; a multipart with none gets an empty text part.
    if (b.parts.length === 0) out.unshift(['TEXT', 'PLAIN', null, null, null, '7BIT', 0, 0]);
    return out;
  }
  const out: WireValue[] = [b.type, b.subtype, params(b.params), b.id, b.description, b.encoding, b.size];
  const isMessage = b.type.toUpperCase() === 'MESSAGE' && ['RFC822', 'GLOBAL'].includes(b.subtype.toUpperCase());
  if (isMessage && b.envelope && b.body) {
    out.push(envelopeValue(b.envelope), bodyStructureValue(b.body, extended), b.lines ?? 0);
  } else if (b.type.toUpperCase() === 'TEXT') {
    out.push(b.lines ?? 0);
  }
  if (extended) out.push(b.md5, ...ext());
  return out;
}
