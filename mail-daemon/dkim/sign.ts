import { createRequire } from 'node:module';
import type { DkimSigningKey } from '@/lib/dkim';

// DKIM-Signature (RFC 6376 §5) with mailauth's signer: relaxed/relaxed (§3.4.2, §3.4.4),
// rsa-sha256 or ed25519-sha256 (RFC 8463) following the key.

/** RFC 6376 §5.4.1's recommended fields; trace and list fields are left out (they change in transit). */
const SIGNED_FIELDS = [
  'From', 'Sender', 'Reply-To', 'To', 'Cc', 'Subject', 'Date', 'Message-ID', 'In-Reply-To', 'References',
  'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding',
];

/**
 * Fields listed once more than they occur (RFC 6376 §5.4.2, §8.15): the extra name matches no
 * field, which a verifier hashes as nothing, so a From added on the way breaks the signature
 * instead of showing a second author above a valid one.
 */
const OVERSIGNED_FIELDS = ['from'];

interface ParsedField { key: string | null; casedKey?: string; line: Buffer }
interface DkimSignerInstance extends NodeJS.WritableStream {
  signatureHeaders: string[];
  errors: { err: Error }[];
  messageHeaders(headers: { parsed: ParsedField[] }): Promise<void>;
}
type DkimSignerClass = new (options: object) => DkimSignerInstance;

// mailauth's dkimSign() signs each present field exactly once and has no option to oversign.
// Its signer names the fields of h= by each parsed field's casedKey while it hashes the field's
// line: naming the topmost From twice ("From:From") adds the extra name to h= and nothing to the
// hash, which is oversigning exactly. dkimSign() is this signer plus writeToStream.
const require = createRequire(import.meta.url);
const { DkimSigner } = require('mailauth/lib/dkim/dkim-signer') as { DkimSigner: DkimSignerClass };
const { writeToStream } = require('mailauth/lib/tools') as { writeToStream: (stream: NodeJS.WritableStream, input: Buffer) => Promise<void> };

class OversigningDkimSigner extends DkimSigner {
  async messageHeaders(headers: { parsed: ParsedField[] }): Promise<void> {
    for (const key of OVERSIGNED_FIELDS) {
      // The signer walks fields bottom-up, so the topmost one is named last in h=.
      const top = headers.parsed.find((f) => f.key === key);
      if (top?.casedKey) top.casedKey = `${top.casedKey}:${top.casedKey}`;
    }
    return super.messageHeaders(headers);
  }
}

/** The DKIM-Signature header field (folded, CRLF-terminated) for the message. Throws when none could be made. */
export async function dkimSignatureFor(message: Buffer, key: DkimSigningKey, now = new Date()): Promise<string> {
  const signer = new OversigningDkimSigner({
    canonicalization: 'relaxed/relaxed',
    headerList: SIGNED_FIELDS,
    signTime: now,
    signatureData: [{ signingDomain: key.domain, selector: key.selector, privateKey: key.privateKeyPem }],
  });
  await writeToStream(signer, message);
  if (!signer.signatureHeaders.length) throw signer.errors[0]?.err ?? new Error('no DKIM signature was made');
  return `${signer.signatureHeaders.join('\r\n')}\r\n`;
}

/**
 * The stored message with the signature in its header: after our Return-Path (which the final
 * delivery replaces, RFC 5321 §4.4) so it stays with the message wherever that is dropped, and
 * above our Received and the author's fields.
 */
export function withSignature(raw: Buffer, signature: string): Buffer {
  const head = raw.subarray(0, 13).toString('latin1').toLowerCase();
  const at = head === 'return-path: ' ? raw.indexOf('\r\n') + 2 : 0;
  return Buffer.concat([raw.subarray(0, at), Buffer.from(signature, 'latin1'), raw.subarray(at)]);
}
