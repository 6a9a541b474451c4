// Fixtures for the queue's tests (services, CLI, browser): rows written with Prisma the
// way the daemon leaves them — a stored message, one queue row per remote recipient,
// attempts and the SMTP receipt. Not imported by the panel.
import { createHash } from 'node:crypto';
import type { Db } from '@/lib/db/prisma';
import type { OutboundStatusName } from './validations';

export interface SeedRecipient {
  rcpt: string;
  status?: OutboundStatusName;
  attempts?: { outcome: 'sent' | 'deferred' | 'failed'; code: number; reply: string; minutesAgo: number; mxHost?: string; tlsVersion?: string }[];
  nextAttemptInMinutes?: number;
  leased?: boolean;
}

export interface SeedMessage {
  queueId: string;
  mailFrom: string;
  authUser?: string | null;
  minutesAgo: number;
  subject?: string;
  recipients: SeedRecipient[];
  /** Also write the smtp_receipts row (received minutesAgo, from this client). */
  receipt?: { clientIp: string; listener?: string };
}

const minutes = (n: number) => new Date(Date.now() - n * 60_000);

export async function seedMessage(db: Db, m: SeedMessage): Promise<{ blobId: string; recipientIds: Record<string, string> }> {
  const raw = Buffer.from(
    [
      `Received: from client.example (client.example [192.0.2.10])\r\n\tby mx.postern.test with ESMTPS id ${m.queueId}`,
      `From: ${m.mailFrom || 'MAILER-DAEMON@postern.test'}`,
      `To: ${m.recipients.map((r) => r.rcpt).join(', ')}`,
      `Subject: ${m.subject ?? `Message ${m.queueId}`}`,
      `Message-ID: <${m.queueId}@postern.test>`,
      '',
      'Hello.',
      '',
    ].join('\r\n'),
  );
  const blob = await db.mailBlob.create({
    data: { size: raw.length, sha256: createHash('sha256').update(raw).digest('hex'), raw, mime: {} },
    select: { id: true },
  });
  const createdAt = minutes(m.minutesAgo);
  if (m.receipt) {
    await db.smtpReceipt.create({
      data: {
        queueId: m.queueId, blobId: blob.id, receivedAt: createdAt, listener: m.receipt.listener ?? 'submission', clientIp: m.receipt.clientIp,
        helo: 'client.example', mailFrom: m.mailFrom, rcpts: m.recipients.map((r) => r.rcpt), authUser: m.authUser ?? null,
        protocol: 'ESMTPSA', size: raw.length, tlsVersion: 'TLSv1.3', tlsCipher: 'TLS_AES_256_GCM_SHA384',
        messageId: `${m.queueId}@postern.test`,
      },
    });
  }
  const recipientIds: Record<string, string> = {};
  for (const r of m.recipients) {
    const status = r.status ?? 'QUEUED';
    const last = r.attempts?.[r.attempts.length - 1];
    const row = await db.outboundMessage.create({
      data: {
        queueId: m.queueId, blobId: blob.id, mailFrom: m.mailFrom, rcpt: r.rcpt, domain: r.rcpt.split('@')[1].toLowerCase(),
        authUser: m.authUser ?? null, status, attempts: r.attempts?.length ?? 0,
        nextAttemptAt: new Date(Date.now() + (r.nextAttemptInMinutes ?? 0) * 60_000),
        lastCode: last?.code ?? null, lastEnhanced: last ? `${String(last.code)[0]}.0.0` : null, lastReply: last?.reply ?? null,
        leaseOwner: r.leased ? 'daemon-1' : null, leaseUntil: r.leased ? new Date(Date.now() + 5 * 60_000) : null,
        finishedAt: status === 'SENT' || status === 'BOUNCED' ? minutes(Math.max(0, (last?.minutesAgo ?? m.minutesAgo) - 1)) : null,
        createdAt,
      },
      select: { id: true },
    });
    recipientIds[r.rcpt] = row.id;
    for (const a of r.attempts ?? []) {
      await db.outboundAttempt.create({
        data: {
          outboundId: row.id, queueId: m.queueId, rcpt: r.rcpt, domain: r.rcpt.split('@')[1], startedAt: minutes(a.minutesAgo), durationMs: 1234,
          instanceId: 'daemon-1', mxHost: a.mxHost ?? `mx.${r.rcpt.split('@')[1]}`, ip: '198.51.100.7', port: 25,
          tlsVersion: a.tlsVersion === 'none' ? null : (a.tlsVersion ?? 'TLSv1.3'), tlsCipher: a.tlsVersion === 'none' ? null : 'TLS_AES_128_GCM_SHA256',
          tlsVerification: a.tlsVersion === 'none' ? 'none' : 'pkix', outcome: a.outcome, code: a.code,
          enhanced: `${String(a.code)[0]}.0.0`, reply: a.reply,
        },
      });
    }
  }
  return { blobId: blob.id, recipientIds };
}
