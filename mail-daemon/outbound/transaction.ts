import type { Session } from './connections';
import type { SmtpReply } from './smtp-reply';
import type { DeliveryRequest, RecipientOutcome } from './types';

// The one SMTP transaction for all of a request's recipients (RFC 5321 §3.3), refused
// before MAIL when the peer cannot take the message (RFC 1870 SIZE, RFC 6531 SMTPUTF8),
// and the replies mapped to one outcome per recipient.

/** A reply or our own explanation as one line of printable ASCII (at most `max` characters), for the admin and the DSN. */
export const printableLine = (s: string, max = 500) => s.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').slice(0, max);

function synthEnhanced(code: number): string {
  return `${Math.floor(code / 100)}.0.0`;
}

function fromReply(address: string, r: SmtpReply): RecipientOutcome {
  const cls = Math.floor(r.code / 100);
  const outcome = cls === 2 ? 'sent' : cls === 5 ? 'failed' : 'deferred';
  // A 3xx where a final reply belongs, or anything else odd, is a protocol error: try again later.
  const enhanced = cls === 2 || cls === 4 || cls === 5 ? (r.enhanced ?? synthEnhanced(r.code)) : '4.5.0';
  return { address, outcome, code: r.code, enhanced, reply: printableLine(`${r.code} ${r.text}`) };
}

/** The one transaction for all recipients (RFC 5321 §3.3), replies mapped per recipient. */
export async function transact(session: Session, request: DeliveryRequest): Promise<{ outcomes: RecipientOutcome[]; reusable: boolean }> {
  const { client } = session;
  const all = (o: Omit<RecipientOutcome, 'address'>) => request.recipients.map((r) => ({ ...o, address: r.address }));
  // RFC 1870 §6.3: a message larger than the announced SIZE will be refused; do not send it.
  if (client.maxSize && request.raw.length > client.maxSize) {
    return { outcomes: all({ outcome: 'failed', code: 552, enhanced: '5.3.4', reply: `Message size ${request.raw.length} exceeds the limit ${client.maxSize} of ${client.remote.host}` }), reusable: true };
  }
  const ascii = (a: string) => !/[^\x00-\x7f]/.test(a);
  const utf8 = client.has('SMTPUTF8');
  // RFC 6531 §3.2: a non-ASCII address cannot go to a server without SMTPUTF8 (RFC 3463/6533 5.6.7).
  if (!utf8 && !ascii(request.mailFrom)) {
    return { outcomes: all({ outcome: 'failed', code: null, enhanced: '5.6.7', reply: 'The sender address is not ASCII and the server does not offer SMTPUTF8' }), reusable: true };
  }
  const outcomes = new Map<number, RecipientOutcome>();
  const sendable: number[] = [];
  request.recipients.forEach((r, i) => {
    if (!utf8 && !ascii(r.address)) outcomes.set(i, { address: r.address, outcome: 'failed', code: null, enhanced: '5.6.7', reply: 'The address is not ASCII and the server does not offer SMTPUTF8' });
    else sendable.push(i);
  });
  if (sendable.length) {
    const replies = await client.send({
      from: request.mailFrom,
      recipients: sendable.map((i) => ({ address: request.recipients[i].address, notify: request.recipients[i].dsn?.notify, orcpt: request.recipients[i].dsn?.orcpt })),
      raw: request.raw,
      ret: request.ret,
      envid: request.envid,
    });
    const lost = (address: string): RecipientOutcome => ({
      // RFC 3463 4.4.2: "Bad connection".
      address, outcome: 'deferred', code: null, enhanced: '4.4.2', reply: printableLine(`Connection to ${client.remote.host} lost: ${replies.error?.message ?? 'no reply'}`),
    });
    sendable.forEach((i, k) => {
      const address = request.recipients[i].address;
      const rcpt = replies.rcpt[k];
      let o: RecipientOutcome;
      // A refusal of MAIL or DATA applies to every recipient; of RCPT, to that one only.
      if (replies.mail && replies.mail.code >= 300) o = fromReply(address, replies.mail);
      else if (rcpt && rcpt.code >= 300) o = fromReply(address, rcpt);
      else if (!rcpt) o = lost(address);
      else if (replies.data && replies.data.code !== 354) o = fromReply(address, replies.data);
      else if (replies.final) o = fromReply(address, replies.final);
      else o = lost(address);
      outcomes.set(i, o);
    });
    const reusable = !replies.error && !client.closed && ![replies.mail, replies.data, replies.final, ...replies.rcpt].some((r) => r?.code === 421);
    return { outcomes: request.recipients.map((_, i) => withNotes(outcomes.get(i)!, session.notes)), reusable };
  }
  return { outcomes: request.recipients.map((_, i) => outcomes.get(i)!), reusable: true };
}

function withNotes(o: RecipientOutcome, notes: string[]): RecipientOutcome {
  return notes.length ? { ...o, reply: printableLine(`${o.reply} (${notes.join('; ')})`, 1000) } : o;
}
