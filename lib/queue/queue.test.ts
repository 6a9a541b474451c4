import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/actor';
import { CHANNELS } from '@/lib/db/channels';
import { addDomain } from '@/lib/domains';
import { isServiceError, type ServiceError } from '@/lib/errors';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { headerBlock } from './headers';
import { bounceNow, countWaiting, getQueuedMessage, listQueue, removeFromQueue, retryNow, searchDeliveries, type DeliveryEvent } from './index';
import { seedMessage } from './seed';

let t: TestDatabase;
const cli: Actor = { kind: 'cli', user: 'tester' };
let da: Actor; // DOMAIN admin of mine.test
const ids: Record<string, Record<string, string>> = {};

async function refusal(p: Promise<unknown>): Promise<ServiceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isServiceError(err)) throw new Error(`expected a ServiceError, got ${String(err)}`);
  return err;
}

beforeAll(async () => {
  t = await createTestDatabase();
  const mine = await addDomain(t.prisma, cli, { name: 'mine.test' });
  await addDomain(t.prisma, cli, { name: 'theirs.test' });
  da = { kind: 'admin', id: '00000000-0000-0000-0000-0000000000aa', email: 'da@mine.test', role: 'DOMAIN', domainIds: [mine.id], ip: '192.0.2.5' };
  const seed = async (m: Parameters<typeof seedMessage>[1]) => (ids[m.queueId] = (await seedMessage(t.prisma, m)).recipientIds);
  // Newest first: BBB2 (10 min), DDD4 (1 h), AAA1 (3 h), CCC3 (1 day), EEE5 (2 days, all sent).
  await seed({
    queueId: 'AAA1', mailFrom: 'alice@Mine.test', authUser: 'alice@mine.test', minutesAgo: 180, subject: 'Quarterly report',
    receipt: { clientIp: '192.0.2.10' },
    recipients: [
      {
        rcpt: 'x@remote.example', status: 'DEFERRED', nextAttemptInMinutes: 60,
        attempts: [
          { outcome: 'deferred', code: 451, reply: '4.7.1 greylisted, try later', minutesAgo: 170 },
          { outcome: 'deferred', code: 421, reply: '4.4.2 too busy', minutesAgo: 100, tlsVersion: 'none' },
        ],
      },
      { rcpt: 'y@other.example', status: 'SENT', attempts: [{ outcome: 'sent', code: 250, reply: '2.0.0 ok queued', minutesAgo: 175 }] },
    ],
  });
  await seed({
    queueId: 'BBB2', mailFrom: 'bob@theirs.test', authUser: 'bob@theirs.test', minutesAgo: 10, receipt: { clientIp: '203.0.113.9' },
    recipients: [{ rcpt: 'z@remote.example', nextAttemptInMinutes: 30 }],
  });
  await seed({
    queueId: 'CCC3', mailFrom: '', minutesAgo: 1440,
    recipients: [{ rcpt: 'gone@nowhere.example', status: 'BOUNCED', attempts: [{ outcome: 'failed', code: 550, reply: '5.1.1 no such user', minutesAgo: 1430 }] }],
  });
  // Sent from an outside address by a user of mine.test: in the domain admin's scope through auth_user.
  await seed({ queueId: 'DDD4', mailFrom: 'carol@elsewhere.example', authUser: 'carol@mine.test', minutesAgo: 60, recipients: [{ rcpt: 'w@remote.example', nextAttemptInMinutes: 5 }] });
  await seed({
    queueId: 'EEE5', mailFrom: 'alice@mine.test', authUser: 'alice@mine.test', minutesAgo: 2880, receipt: { clientIp: '192.0.2.10' },
    recipients: [{ rcpt: 'v@remote.example', status: 'SENT', attempts: [{ outcome: 'sent', code: 250, reply: '2.0.0 ok', minutesAgo: 2879 }] }],
  });
});
afterAll(() => t.drop());

const queueIds = (p: { messages: { queueId: string }[] }) => p.messages.map((m) => m.queueId);

describe('listQueue', () => {
  it('lists what is not delivered, one entry per message with every recipient’s state, newest first', async () => {
    const page = await listQueue(t.prisma, cli);
    expect(queueIds(page)).toEqual(['BBB2', 'DDD4', 'AAA1', 'CCC3']);
    expect(page.next).toBeNull();
    const a = page.messages.find((m) => m.queueId === 'AAA1')!;
    expect(a.recipients.map((r) => [r.rcpt, r.status, r.attempts])).toEqual([
      ['x@remote.example', 'DEFERRED', 2],
      ['y@other.example', 'SENT', 1],
    ]);
    expect(a).toMatchObject({ mailFrom: 'alice@Mine.test', attempts: 2, lastReply: { rcpt: 'x@remote.example', code: 421, text: '4.4.2 too busy' } });
    expect(a.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());
    expect(page.messages.find((m) => m.queueId === 'CCC3')).toMatchObject({ mailFrom: '', nextAttemptAt: null, lastReply: { code: 550 } });
  });

  it('filters by status, sender, recipient domain and age', async () => {
    expect(queueIds(await listQueue(t.prisma, cli, { status: ['SENT'] }))).toEqual(['AAA1', 'EEE5']);
    expect(queueIds(await listQueue(t.prisma, cli, { status: ['QUEUED'] }))).toEqual(['BBB2', 'DDD4']);
    expect(queueIds(await listQueue(t.prisma, cli, { sender: 'ALICE@' }))).toEqual(['AAA1']);
    expect(queueIds(await listQueue(t.prisma, cli, { sender: '%' }))).toEqual([]); // a literal %, not a wildcard
    expect(queueIds(await listQueue(t.prisma, cli, { recipientDomain: 'Other.Example' }))).toEqual([]); // AAA1's other.example recipient is SENT
    expect(queueIds(await listQueue(t.prisma, cli, { recipientDomain: 'other.example', status: ['SENT'] }))).toEqual(['AAA1']);
    expect(queueIds(await listQueue(t.prisma, cli, { olderThan: 2 * 3600 }))).toEqual(['AAA1', 'CCC3']);
  });

  it('keyset pages add up to the whole list; a forged cursor is refused', async () => {
    const all = queueIds(await listQueue(t.prisma, cli, { status: ['QUEUED', 'DEFERRED', 'SENT', 'BOUNCED'] }));
    expect(all).toEqual(['BBB2', 'DDD4', 'AAA1', 'CCC3', 'EEE5']);
    const walked: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const p = await listQueue(t.prisma, cli, { status: ['QUEUED', 'DEFERRED', 'SENT', 'BOUNCED'], limit: 2, cursor });
      walked.push(...queueIds(p));
      if (!p.next) break;
      cursor = p.next;
    }
    expect(walked).toEqual(all);
    expect(await refusal(listQueue(t.prisma, cli, { cursor: 'bm9wZQ' }))).toMatchObject({ code: 'invalid', field: 'cursor' });
  });

  it('a domain admin sees mail from its domains’ senders or authenticated users only', async () => {
    expect(queueIds(await listQueue(t.prisma, da, { status: ['QUEUED', 'DEFERRED', 'SENT', 'BOUNCED'] }))).toEqual(['DDD4', 'AAA1', 'EEE5']);
    expect(await countWaiting(t.prisma, da)).toBe(2);
    expect(await countWaiting(t.prisma, cli)).toBe(3);
  });
});

describe('getQueuedMessage', () => {
  it('has recipients, every attempt, the first header block and the SMTP receipt', async () => {
    const m = await getQueuedMessage(t.prisma, cli, { queueId: 'AAA1' });
    expect(m.subject).toBe('Quarterly report');
    expect(m.messageId).toBe('<AAA1@postern.test>');
    expect(m.headers.truncated).toBe(false);
    expect(m.headers.fields.map((f) => f.name)).toEqual(['Received', 'From', 'To', 'Subject', 'Message-ID']);
    expect(m.headers.fields[0].value).toBe('from client.example (client.example [192.0.2.10]) by mx.postern.test with ESMTPS id AAA1');
    expect(m.attemptLog.map((a) => [a.rcpt, a.outcome, a.code, a.tlsVersion, a.tlsVerification])).toEqual([
      ['y@other.example', 'sent', 250, 'TLSv1.3', 'pkix'],
      ['x@remote.example', 'deferred', 451, 'TLSv1.3', 'pkix'],
      ['x@remote.example', 'deferred', 421, null, 'none'],
    ]);
    expect(m.attemptLog[1]).toMatchObject({ mxHost: 'mx.remote.example', ip: '198.51.100.7', durationMs: 1234, recipientId: ids.AAA1['x@remote.example'] });
    expect(m.receipt).toMatchObject({ clientIp: '192.0.2.10', helo: 'client.example', rcpts: ['x@remote.example', 'y@other.example'], tlsVersion: 'TLSv1.3' });
    expect(JSON.stringify(m)).not.toMatch(/blobId|blob_id|leaseOwner|leaseUntil/);
  });

  it('unknown and out-of-scope ids give the same not-found', async () => {
    const unknown = await refusal(getQueuedMessage(t.prisma, da, { queueId: 'ZZZ9' }));
    const theirs = await refusal(getQueuedMessage(t.prisma, da, { queueId: 'BBB2' }));
    expect(unknown).toMatchObject({ code: 'not_found', field: 'queueId', message: 'no message ZZZ9 in the queue' });
    expect(theirs).toMatchObject({ code: 'not_found', field: 'queueId', message: 'no message BBB2 in the queue' });
    expect(await refusal(getQueuedMessage(t.prisma, da, { queueId: 'CCC3' }))).toMatchObject({ code: 'not_found' }); // null sender: global only
    expect(await refusal(getQueuedMessage(t.prisma, cli, { queueId: 'no such; id' }))).toMatchObject({ code: 'invalid', field: 'queueId' });
  });

  it('the header block stops at the first empty line and is cut at the byte limit', () => {
    const block = headerBlock(Buffer.from('A: 1\r\nB: 2\r\n\r\nC: body\r\n'), 24);
    expect(block).toEqual({ fields: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], truncated: false });
    expect(headerBlock(Buffer.from('A: 1\r\nB: 2'), 100_000).truncated).toBe(true);
  });
});

describe('actions', () => {
  let listener: pg.Client;
  const heard: string[] = [];
  beforeAll(async () => {
    listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    listener.on('notification', (m) => heard.push(`${m.channel} ${m.payload}`));
    await listener.query(`LISTEN ${CHANNELS.outbound}`);
  });
  afterAll(() => listener.end());
  const notified = () => new Promise<void>((resolve) => listener.once('notification', () => resolve()));

  it('retry makes waiting recipients due now, skips delivered ones, sends NOTIFY and audits', async () => {
    const before = await t.prisma.outboundMessage.findMany({ where: { queueId: 'AAA1' }, orderBy: { rcpt: 'asc' } });
    const wake = notified();
    const r = await retryNow(t.prisma, da, { queueId: 'AAA1' });
    await wake;
    expect(heard).toEqual([`${CHANNELS.outbound} {}`]);
    expect(r).toEqual({ queueIds: ['AAA1'], recipients: ['x@remote.example'], skipped: ['y@other.example'] });
    const after = await t.prisma.outboundMessage.findMany({ where: { queueId: 'AAA1' }, orderBy: { rcpt: 'asc' } });
    expect(after[0].nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(after[0].nextAttemptAt.getTime()).toBeLessThan(before[0].nextAttemptAt.getTime());
    expect(after[1].nextAttemptAt).toEqual(before[1].nextAttemptAt);
    const audit = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'queue.retry', target: 'AAA1' } });
    expect(audit).toMatchObject({ actor: 'da@mine.test', ip: '192.0.2.5' });
    expect(JSON.stringify(audit.before)).toContain('x@remote.example');
  });

  it('a domain admin cannot retry, bounce or remove another domain’s mail: the same not-found, nothing changed', async () => {
    const before = await t.prisma.outboundMessage.findFirstOrThrow({ where: { queueId: 'BBB2' } });
    for (const action of [retryNow, bounceNow, removeFromQueue]) {
      expect(await refusal(action(t.prisma, da, { queueId: 'BBB2' }))).toMatchObject({ code: 'not_found', message: 'no message BBB2 in the queue' });
      expect(await refusal(action(t.prisma, da, { recipientIds: [before.id] }))).toMatchObject({ code: 'not_found', field: 'recipientIds' });
      // One of theirs among its own: all refused, none done.
      expect(await refusal(action(t.prisma, da, { recipientIds: [ids.DDD4['w@remote.example'], before.id] }))).toMatchObject({ code: 'not_found' });
    }
    expect(await t.prisma.outboundMessage.findFirstOrThrow({ where: { queueId: 'BBB2' } })).toEqual(before);
    expect(await t.prisma.auditLog.count({ where: { target: 'BBB2' } })).toBe(0);
  });

  it('retry of a message with nothing waiting is a conflict', async () => {
    expect(await refusal(retryNow(t.prisma, cli, { queueId: 'EEE5' }))).toMatchObject({ code: 'conflict' });
    expect(await refusal(bounceNow(t.prisma, cli, { queueId: 'CCC3' }))).toMatchObject({ code: 'conflict' });
  });

  it('bounce marks waiting recipients for the runner, makes them due and wakes it', async () => {
    const wake = notified();
    await bounceNow(t.prisma, da, { recipientIds: [ids.DDD4['w@remote.example']] });
    await wake;
    const row = await t.prisma.outboundMessage.findUniqueOrThrow({ where: { id: ids.DDD4['w@remote.example'] } });
    expect(row.bounceRequestedAt).not.toBeNull();
    expect(row.status).toBe('QUEUED'); // the runner returns it to the sender and marks it BOUNCED
    expect(row.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await t.prisma.auditLog.count({ where: { action: 'queue.bounce', target: 'DDD4', actor: 'da@mine.test' } })).toBe(1);
  });

  it('remove deletes the recipients and their attempts; a recipient in flight is refused', async () => {
    await seedMessage(t.prisma, { queueId: 'FFF6', mailFrom: 'alice@mine.test', minutesAgo: 1, recipients: [{ rcpt: 'busy@remote.example', leased: true }] });
    expect(await refusal(removeFromQueue(t.prisma, cli, { queueId: 'FFF6' }))).toMatchObject({ code: 'conflict', message: expect.stringContaining('being delivered') });
    expect(await t.prisma.outboundMessage.count({ where: { queueId: 'FFF6' } })).toBe(1);

    const attemptIds = (await t.prisma.outboundAttempt.findMany({ where: { queueId: 'CCC3' } })).map((a) => a.id);
    expect(attemptIds).toHaveLength(1);
    const r = await removeFromQueue(t.prisma, cli, { queueId: 'CCC3' });
    expect(r).toEqual({ queueIds: ['CCC3'], recipients: ['gone@nowhere.example'], skipped: [] });
    expect(await t.prisma.outboundMessage.count({ where: { queueId: 'CCC3' } })).toBe(0);
    expect(await t.prisma.outboundAttempt.count({ where: { id: { in: attemptIds } } })).toBe(0);
    const audit = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'queue.remove', target: 'CCC3' } });
    expect(audit.actor).toBe('cli:tester');
    expect(await refusal(getQueuedMessage(t.prisma, cli, { queueId: 'CCC3' }))).toMatchObject({ code: 'not_found' });
  });
});

describe('searchDeliveries', () => {
  const brief = (events: DeliveryEvent[]) => events.map((e) => (e.kind === 'received' ? `in ${e.queueId}` : `${e.outcome} ${e.queueId} ${e.rcpt}`));

  it('one list of receipts and attempts, newest first', async () => {
    const page = await searchDeliveries(t.prisma, cli);
    expect(brief(page.events)).toEqual([
      'in BBB2',
      'deferred AAA1 x@remote.example', // 100 min
      'deferred AAA1 x@remote.example', // 170
      'sent AAA1 y@other.example', // 175
      'in AAA1', // 180
      'sent EEE5 v@remote.example', // 2879
      'in EEE5', // 2880
    ]);
    expect(page.next).toBeNull();
    const attempt = page.events.find((e) => e.kind === 'attempt' && e.rcpt === 'y@other.example');
    expect(attempt).toMatchObject({ status: 'SENT', code: 250, reply: '2.0.0 ok queued', mxHost: 'mx.other.example', tlsVersion: 'TLSv1.3' });
  });

  it('filters by sender, recipient, queue id, client IP and time', async () => {
    expect(brief((await searchDeliveries(t.prisma, cli, { sender: 'BOB' })).events)).toEqual(['in BBB2']);
    expect(brief((await searchDeliveries(t.prisma, cli, { recipient: 'y@other' })).events)).toEqual(['sent AAA1 y@other.example', 'in AAA1']);
    expect(brief((await searchDeliveries(t.prisma, cli, { queueId: 'EEE5' })).events)).toEqual(['sent EEE5 v@remote.example', 'in EEE5']);
    // By Message-ID (with or without <>): the receipt and the attempts of that message.
    expect(brief((await searchDeliveries(t.prisma, cli, { messageId: '<EEE5@postern.test>' })).events)).toEqual(['sent EEE5 v@remote.example', 'in EEE5']);
    // A whole recipient address is matched in the receipts' recipient arrays.
    expect(brief((await searchDeliveries(t.prisma, cli, { recipient: 'y@other.example' })).events)).toEqual(['sent AAA1 y@other.example', 'in AAA1']);
    // The client's receipts and the attempts of what it sent.
    expect((await searchDeliveries(t.prisma, cli, { clientIp: '192.0.2.10' })).events).toHaveLength(6);
    expect((await searchDeliveries(t.prisma, cli, { clientIp: '203.0.113.9' })).events.map((e) => e.kind)).toEqual(['received']);
    const from = new Date(Date.now() - 172 * 60_000);
    const to = new Date(Date.now() - 60 * 60_000);
    expect(brief((await searchDeliveries(t.prisma, cli, { from, to })).events)).toEqual(['deferred AAA1 x@remote.example', 'deferred AAA1 x@remote.example']);
  });

  it('keyset pages across both sources add up to the whole list', async () => {
    const all = (await searchDeliveries(t.prisma, cli)).events.map((e) => e.id);
    const walked: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const p = await searchDeliveries(t.prisma, cli, { limit: 2, cursor });
      expect(p.events.length).toBeLessThanOrEqual(2);
      walked.push(...p.events.map((e) => e.id));
      if (!p.next) break;
      cursor = p.next;
    }
    expect(walked).toEqual(all);
  });

  it('a domain admin traces only its domains’ mail', async () => {
    const events = (await searchDeliveries(t.prisma, da)).events;
    expect(new Set(events.map((e) => e.queueId))).toEqual(new Set(['AAA1', 'EEE5']));
    expect((await searchDeliveries(t.prisma, da, { queueId: 'BBB2' })).events).toEqual([]);
  });
});
