import type pg from 'pg';
import type { ParsedHeader } from '@/lib/mime';
import { enqueue } from '../outbound/pg-queue';
import type { Srs } from '../outbound/srs';
import { deliver } from '../store';
import type { AcceptInput } from '../smtp/backend';
import { deliveryStatsCtes, type DeliveryFacts } from '@/lib/tls-stats/record';

/**
 * Commits one accepted SMTP transaction, all or nothing: the message into every local
 * recipient's INBOX (its Junk when the checks on arrival said so) through the mail store's deliver() (raw stored once, also when
 * every recipient is remote), in the same statement our smtp_receipts row and the TLS statistics
 * (lib/tls-stats: the hop chain and the dashboard's aggregates), and in the same transaction one
 * outbound_queue row per remote recipient. Mail for local recipients only is that one statement,
 * one round trip, sharing its commit with other deliveries that arrive meanwhile. Throws on any
 * failure; the caller answers 451 4.3.0. Returns the stored message's parsed header (for the auto-replies).
 */
export async function acceptMessage(pool: pg.Pool, input: AcceptInput, srs: Srs | null = null): Promise<ParsedHeader> {
  const recipients = input.mailboxIds.map((mailboxId) => ({ mailboxId }));
  const folder = input.arrival?.disposition === 'junk' ? 'junk' : 'inbox';
  const alongside = (header: ParsedHeader, p: (value: unknown) => string) => {
    const { ctes } = deliveryStatsCtes(statisticsOf(input, header), p, '(SELECT id FROM blob)');
    return `receipt AS (${receiptSql(input, messageIdOf(header), p)}), ${ctes}`;
  };
  const outbound = input.remoteRecipients.length ? (tx: pg.PoolClient, { blobId }: { blobId: string }) => queueOutbound(tx, input, blobId, srs) : undefined;
  const stored = await deliver(pool, { raw: input.raw, recipients, internalDate: input.receivedAt, folder, alongside }, outbound);
  return stored.header;
}

/** What the TLS statistics count of an accepted message; the header is the one the store parsed for the MIME index. */
function statisticsOf(input: AcceptInput, header: ParsedHeader): Omit<DeliveryFacts, 'blobId'> {
  return {
    receivedAt: input.receivedAt,
    listener: input.listener,
    clientIp: input.clientIp,
    mailFrom: input.mailFrom,
    authMailboxId: input.authUser?.mailboxId ?? null,
    mailboxIds: input.mailboxIds,
    our: {
      queueId: input.queueId,
      tlsVersion: input.tls?.version ?? null,
      cipher: input.tls?.cipher ?? null,
      bits: input.tls?.bits ?? null,
      mode: input.tls?.mode ?? null,
    },
    raw: header,
  };
}

/** RFC 5322 §3.6.4 msg-id without its angle brackets, for the delivery log; null when absent. */
function messageIdOf(header: ParsedHeader): string | null {
  const value = header.fields.find((f) => f.key === 'message-id')?.value.trim();
  if (!value) return null;
  return value.replace(/^<(.*)>$/, '$1').slice(0, 998);
}

/** Our smtp_receipts row, as an INSERT reading the stored blob's id from the delivery statement's `blob`. */
function receiptSql(m: AcceptInput, messageId: string | null, p: (value: unknown) => string): string {
  const a = m.arrival;
  const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
  const values = [
    m.queueId, m.receivedAt, m.listener, m.clientIp, m.clientName, m.helo, m.mailFrom, m.recipients,
    m.authUser?.address ?? null, m.protocol, m.raw.length, m.tls?.version ?? null, m.tls?.cipher ?? null,
    m.tls?.standardName ?? null, m.tls?.bits ?? null, m.tls?.mode ?? null, m.tls?.sni ?? null,
    m.tls?.clientCert?.subject ?? null, m.tls?.clientCert?.fingerprint ?? null, messageId,
    a?.fromDomain ?? null, a?.spf ?? null, a?.dkim ?? null, a?.dmarc ?? null, a?.arc ?? null, a?.authResultsHeader ?? null,
    json(a?.authResults), a?.disposition ?? 'inbox', a?.dispositionReason ?? null, a?.spam?.action ?? null, a?.spam?.score ?? null,
    json(a?.spam?.symbols),
  ].map(p);
  // auth_results and spam_symbols are jsonb.
  values[26] += '::jsonb';
  values[31] += '::jsonb';
  return `INSERT INTO smtp_receipts (queue_id, blob_id, received_at, listener, client_ip, client_name, helo, mail_from, rcpts,
       auth_user, protocol, size, tls_version, tls_cipher, tls_cipher_standard, tls_bits, tls_mode, tls_sni,
       client_cert_subject, client_cert_fingerprint, message_id,
       from_domain, spf_result, dkim_result, dmarc_result, arc_result, auth_results_header, auth_results,
       disposition, disposition_reason, spam_action, spam_score, spam_symbols)
     SELECT ${values[0]}, blob.id, ${values.slice(1).join(', ')} FROM blob`;
}

/**
 * Remote recipients into the outbound queue. Mail an alias forwards for a sender who is not
 * ours leaves with an SRS reverse-path (SPF at the next hop then checks our address, and a
 * bounce comes back to us to pass on); mail relayed for an authenticated sender keeps its own.
 */
async function queueOutbound(tx: pg.PoolClient, m: AcceptInput, blobId: string, srs: Srs | null): Promise<void> {
  const rewrite = srs && !m.authUser && m.mailFrom !== '' ? new Set(m.forwarded.map((a) => a.toLowerCase())) : new Set<string>();
  const batches = [
    { mailFrom: m.mailFrom, recipients: m.remoteRecipients.filter((a) => !rewrite.has(a.toLowerCase())) },
    { mailFrom: rewrite.size ? srs!.forward(m.mailFrom) : m.mailFrom, recipients: m.remoteRecipients.filter((a) => rewrite.has(a.toLowerCase())) },
  ];
  for (const batch of batches) {
    await enqueue(tx, {
      queueId: m.queueId,
      blobId,
      mailFrom: batch.mailFrom,
      authUser: m.authUser?.address ?? null,
      recipients: batch.recipients.map((address) => ({ address, ...m.dsn?.recipients[address.toLowerCase()] })),
      ret: m.dsn?.ret,
      envid: m.dsn?.envid,
    });
  }
}
