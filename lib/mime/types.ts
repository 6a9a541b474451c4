// The data the MIME indexer computes once per message (at delivery/APPEND) and the store keeps
// in mail_blobs.mime, so FETCH serves ENVELOPE, BODYSTRUCTURE and BODY[section] without reparsing.

/** One address of an ENVELOPE list. A group is { mailbox: groupName, host: null } ... { mailbox: null, host: null }. */
export interface EnvelopeAddress {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

/** RFC 3501 ENVELOPE; strings are the header's text unfolded (encoded-words kept as sent). */
export interface Envelope {
  date: string | null;
  subject: string | null;
  from: EnvelopeAddress[] | null;
  sender: EnvelopeAddress[] | null;
  replyTo: EnvelopeAddress[] | null;
  to: EnvelopeAddress[] | null;
  cc: EnvelopeAddress[] | null;
  bcc: EnvelopeAddress[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

/** Parameter lists keep order; names lower-case; RFC 2231 continuations joined (name*0*, name*1* → name*). */
export type BodyParams = [name: string, value: string][];

export interface BodyDisposition {
  /** As sent, e.g. "attachment". */
  type: string;
  params: BodyParams;
}

/** Fields every body has, including extension data (BODYSTRUCTURE). */
interface BodyExtension {
  disposition: BodyDisposition | null;
  language: string[] | null;
  location: string | null;
}

export interface SinglePartBody extends BodyExtension {
  kind: 'single';
  /** Lower-case ("text"); defaults "text"/"plain" (or "message"/"rfc822" inside multipart/digest). */
  type: string;
  subtype: string;
  params: BodyParams;
  id: string | null;
  description: string | null;
  /** Upper-case ("7BIT", "BASE64", "QUOTED-PRINTABLE"); default "7BIT". */
  encoding: string;
  /** Octets of the body as served (BODY[n] length). */
  size: number;
  /** text/* and message/rfc822 only: lines of the body as served. */
  lines?: number;
  /** message/rfc822 only. */
  envelope?: Envelope;
  body?: BodyStructure;
  md5: string | null;
}

export interface MultipartBody extends BodyExtension {
  kind: 'multipart';
  /** Lower-case ("mixed"). */
  subtype: string;
  parts: BodyStructure[];
  params: BodyParams;
}

export type BodyStructure = SinglePartBody | MultipartBody;

/**
 * Byte offsets of one entity in the raw message: header [h, b) including the blank line,
 * body [b, e). `p`: the parts of a multipart; `m`: the message inside a message/rfc822 part.
 */
export interface MimeNode {
  h: number;
  b: number;
  e: number;
  p?: MimeNode[];
  m?: MimeNode;
}

export interface MimeIndex {
  v: 1;
  envelope: Envelope;
  bodyStructure: BodyStructure;
  root: MimeNode;
  /** The Date: header as ISO-8601 when it parses (SENTBEFORE/SENTON/SENTSINCE). */
  sentAt: string | null;
}
