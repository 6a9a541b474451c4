import type { Command } from 'commander';
import { ServiceError } from '@/lib/errors';
import {
  ageSchema,
  bounceNow,
  DEFAULT_STATUSES,
  getQueuedMessage,
  listQueue,
  OUTBOUND_STATUSES,
  removeFromQueue,
  retryNow,
  type OutboundStatusName,
  type QueuedMessageSummary,
  type QueueActionResult,
} from '@/lib/queue';
import type { CliContext } from '../context';
import { table } from '../output';

const STATUS_WORDS: Record<string, OutboundStatusName[]> = {
  queued: ['QUEUED'],
  deferred: ['DEFERRED'],
  waiting: ['QUEUED', 'DEFERRED'],
  sent: ['SENT'],
  bounced: ['BOUNCED'],
  failed: ['BOUNCED'],
  all: [...OUTBOUND_STATUSES],
};

function parseStatuses(value: string | undefined): OutboundStatusName[] {
  if (!value) return [...DEFAULT_STATUSES];
  const out = new Set<OutboundStatusName>();
  for (const word of value.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean)) {
    const statuses = STATUS_WORDS[word];
    if (!statuses) throw new ServiceError('invalid', `"${word}" is not one of ${Object.keys(STATUS_WORDS).join(', ')}`, 'status');
    for (const s of statuses) out.add(s);
  }
  return [...out];
}

function parseAge(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = ageSchema.safeParse(value);
  if (!parsed.success) throw new ServiceError('invalid', parsed.error.issues[0].message, 'older-than');
  return parsed.data;
}

const sender = (mailFrom: string) => mailFrom || '<>';
const when = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) : '');
const reply = (m: QueuedMessageSummary) => (m.lastReply ? `${m.lastReply.code ?? ''} ${m.lastReply.text}`.trim() : '');

/** What an action did: one line for a person, or with --json the messages and recipients acted on and those skipped. */
function done(ctx: CliContext, verb: string, queueId: string, r: QueueActionResult, json?: boolean): void {
  if (json) return ctx.json(r);
  ctx.out(`${verb} ${queueId}: ${r.recipients.join(', ')}`);
  if (r.skipped.length) ctx.out(`skipped (already delivered or bounced): ${r.skipped.join(', ')}`);
}

export function registerQueue(program: Command, ctx: CliContext): void {
  const queue = program.command('queue').description('the outbound queue: mail waiting for remote delivery');

  queue
    .command('list')
    .alias('ls')
    .description('messages in the queue, newest first (default: not delivered: queued, deferred, bounced)')
    .option('--status <list>', 'comma-separated: queued, deferred, waiting, sent, bounced (= failed), all')
    .option('--sender <text>', 'envelope sender contains')
    .option('--domain <domain>', 'a recipient domain')
    .option('--older-than <age>', 'queued at least this long ago: 30m, 4h, 2d, 1w')
    .option('--json', 'machine-readable output')
    .action(async (opts: { status?: string; sender?: string; domain?: string; olderThan?: string; json?: boolean }) => {
      const filters = { status: parseStatuses(opts.status), sender: opts.sender, recipientDomain: opts.domain, olderThan: parseAge(opts.olderThan) };
      const db = await ctx.db();
      const messages: QueuedMessageSummary[] = [];
      for (let cursor: string | undefined, i = 0; i < 10_000; i++) {
        const page = await listQueue(db, ctx.actor, { ...filters, cursor, limit: 500 });
        messages.push(...page.messages);
        if (!page.next) break;
        cursor = page.next;
      }
      if (opts.json) return ctx.json(messages);
      if (messages.length === 0) return ctx.out('the queue is empty');
      ctx.out(
        table(
          ['QUEUE ID', 'FROM', 'RECIPIENTS', 'ATTEMPTS', 'NEXT ATTEMPT', 'LAST REPLY'],
          messages.map((m) => [
            m.queueId,
            sender(m.mailFrom),
            m.recipients.map((r) => `${r.rcpt} (${r.status.toLowerCase()})`).join(', '),
            m.attempts,
            when(m.nextAttemptAt),
            reply(m),
          ]),
        ),
      );
    });

  queue
    .command('show <queueId>')
    .description('one message: recipients, every delivery attempt, headers')
    .option('--json', 'machine-readable output')
    .action(async (queueId: string, opts: { json?: boolean }) => {
      const m = await getQueuedMessage(await ctx.db(), ctx.actor, { queueId });
      if (opts.json) return ctx.json(m);
      ctx.out(`queue id: ${m.queueId}`);
      ctx.out(`from:     ${sender(m.mailFrom)}${m.authUser ? ` (authenticated as ${m.authUser})` : ''}`);
      ctx.out(`subject:  ${m.subject ?? ''}`);
      ctx.out(`queued:   ${when(m.createdAt)}`);
      if (m.receipt) ctx.out(`received: ${when(m.receipt.receivedAt)} on ${m.receipt.listener} from ${m.receipt.clientIp} (${m.receipt.helo})`);
      ctx.out('');
      ctx.out(
        table(
          ['RECIPIENT', 'STATUS', 'ATTEMPTS', 'NEXT ATTEMPT', 'LAST REPLY'],
          m.recipients.map((r) => [
            r.rcpt,
            `${r.status.toLowerCase()}${r.inFlight ? ' (delivering now)' : ''}${r.bounceRequestedAt && r.status !== 'BOUNCED' ? ' (bounce requested)' : ''}`,
            r.attempts,
            r.status === 'QUEUED' || r.status === 'DEFERRED' ? when(r.nextAttemptAt) : '',
            r.lastReply ? `${r.lastCode ?? ''} ${r.lastReply}`.trim() : '',
          ]),
        ),
      );
      if (m.attemptLog.length) {
        ctx.out('');
        ctx.out(
          table(
            ['STARTED', 'RECIPIENT', 'MX', 'IP', 'TLS', 'VERIFIED', 'OUTCOME', 'REPLY', 'MS'],
            m.attemptLog.map((a) => [
              when(a.startedAt), a.rcpt, a.mxHost, a.ip, a.tlsVersion ? `${a.tlsVersion} ${a.tlsCipher ?? ''}`.trim() : 'none', a.tlsVerification,
              a.outcome, `${a.code ?? ''} ${a.reply}`.trim(), a.durationMs,
            ]),
          ),
        );
      }
      ctx.out('');
      for (const h of m.headers.fields) ctx.out(`${h.name}: ${h.value}`);
      if (m.headers.truncated) ctx.out('(headers cut short)');
    });

  queue
    .command('retry <queueId>')
    .description('try the waiting recipients again now')
    .option('--json', 'machine-readable output: queueIds, recipients, skipped')
    .action(async (queueId: string, opts: { json?: boolean }) => done(ctx, 'retrying', queueId, await retryNow(await ctx.db(), ctx.actor, { queueId }), opts.json));

  queue
    .command('bounce <queueId>')
    .description('give up: return the message to its sender for every waiting recipient')
    .option('--json', 'machine-readable output: queueIds, recipients, skipped')
    .action(async (queueId: string, opts: { json?: boolean }) => done(ctx, 'bouncing', queueId, await bounceNow(await ctx.db(), ctx.actor, { queueId }), opts.json));

  queue
    .command('rm <queueId>')
    .alias('remove')
    .description('delete the message from the queue without telling its sender (its delivery history goes too)')
    .option('--json', 'machine-readable output: queueIds, recipients, skipped')
    .action(async (queueId: string, opts: { json?: boolean }) => done(ctx, 'removed', queueId, await removeFromQueue(await ctx.db(), ctx.actor, { queueId }), opts.json));
}
