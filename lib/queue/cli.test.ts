import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postern as run, type CliResult } from '@/mail-daemon/testing/cli';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { seedMessage } from './seed';

// `postern queue …` as a subprocess, the way an admin runs it, on rows seeded with Prisma.
let t: TestDatabase;
let tmp: string;

function postern(args: string[]): Promise<CliResult> {
  return run(['queue', ...args], { cwd: tmp, env: { DATABASE_URL: t.url, POSTERN_DATA_DIR: path.join(tmp, 'data') } });
}

beforeAll(async () => {
  t = await createTestDatabase();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-queue-cli-'));
  await seedMessage(t.prisma, {
    queueId: 'Q1AAAA', mailFrom: 'alice@example.test', authUser: 'alice@example.test', minutesAgo: 90, subject: 'Hello there',
    receipt: { clientIp: '192.0.2.10' },
    recipients: [
      { rcpt: 'x@remote.example', status: 'DEFERRED', nextAttemptInMinutes: 120, attempts: [{ outcome: 'deferred', code: 451, reply: '4.7.1 greylisted', minutesAgo: 80 }] },
      { rcpt: 'y@remote.example', status: 'SENT', attempts: [{ outcome: 'sent', code: 250, reply: '2.0.0 ok', minutesAgo: 80 }] },
    ],
  });
  await seedMessage(t.prisma, { queueId: 'Q2BBBB', mailFrom: 'bob@example.test', minutesAgo: 5, recipients: [{ rcpt: 'z@far.example' }] });
});
afterAll(async () => {
  await t.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('postern queue', { timeout: 120_000 }, () => {
  it('list: a table, filters, --json', async () => {
    const r = await postern(['list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^QUEUE ID\s+FROM\s+RECIPIENTS\s+ATTEMPTS\s+NEXT ATTEMPT\s+LAST REPLY\n/);
    expect(r.stdout.split('\n')[1]).toMatch(/^Q2BBBB\s+bob@example.test\s+z@far.example \(queued\)\s+0/);
    expect(r.stdout.split('\n')[2]).toMatch(/^Q1AAAA\s+alice@example.test\s+x@remote.example \(deferred\), y@remote.example \(sent\)\s+1\s+\S+ \S+\s+451 4.7.1 greylisted$/);
    const json = await postern(['list', '--json', '--older-than', '1h']);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout);
    expect(rows.map((m: { queueId: string }) => m.queueId)).toEqual(['Q1AAAA']);
    expect(rows[0].recipients.map((x: { status: string }) => x.status)).toEqual(['DEFERRED', 'SENT']);
    expect(JSON.parse((await postern(['list', '--json', '--status', 'sent'])).stdout)).toHaveLength(1);
    expect(await postern(['list', '--status', 'lost'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^postern: status: "lost" is not one of .*\n$/) });
    expect(await postern(['list', '--older-than', 'soon'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^postern: older-than: .*\n$/) });
  });

  it('show: recipients, attempts, headers; --json', async () => {
    const r = await postern(['show', 'Q1AAAA']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('subject:  Hello there');
    expect(r.stdout).toMatch(/x@remote.example\s+deferred\s+1/);
    expect(r.stdout).toMatch(/mx.remote.example\s+198.51.100.7\s+TLSv1.3 TLS_AES_128_GCM_SHA256\s+pkix\s+deferred\s+451 4.7.1 greylisted\s+1234/);
    expect(r.stdout).toContain('Message-ID: <Q1AAAA@postern.test>');
    const json = JSON.parse((await postern(['show', 'Q1AAAA', '--json'])).stdout);
    expect(json).toMatchObject({ queueId: 'Q1AAAA', subject: 'Hello there', receipt: { clientIp: '192.0.2.10' } });
    expect(json.attemptLog).toHaveLength(2);
  });

  it('unknown ids exit 1 with one line', async () => {
    for (const verb of ['show', 'retry', 'bounce', 'rm']) {
      expect(await postern([verb, 'NOPE99'])).toEqual({ code: 1, stdout: '', stderr: 'postern: queueId: no message NOPE99 in the queue\n' });
    }
    expect(await postern(['show', 'not;an id'])).toEqual({ code: 1, stdout: '', stderr: 'postern: queueId: not a queue id\n' });
  });

  it('retry, bounce and rm act and are audited as the cli user', async () => {
    const user = `cli:${os.userInfo().username}`;
    expect(await postern(['retry', 'Q1AAAA'])).toEqual({
      code: 0, stderr: '', stdout: 'retrying Q1AAAA: x@remote.example\nskipped (already delivered or bounced): y@remote.example\n',
    });
    const x = await t.prisma.outboundMessage.findFirstOrThrow({ where: { queueId: 'Q1AAAA', rcpt: 'x@remote.example' } });
    expect(x.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await postern(['bounce', 'Q2BBBB'])).toMatchObject({ code: 0, stdout: 'bouncing Q2BBBB: z@far.example\n' });
    expect((await t.prisma.outboundMessage.findFirstOrThrow({ where: { queueId: 'Q2BBBB' } })).bounceRequestedAt).not.toBeNull();
    expect(await postern(['rm', 'Q2BBBB'])).toMatchObject({ code: 0, stdout: 'removed Q2BBBB: z@far.example\n' });
    expect(await t.prisma.outboundMessage.count({ where: { queueId: 'Q2BBBB' } })).toBe(0);
    const audit = await t.prisma.auditLog.findMany({ where: { action: { startsWith: 'queue.' } }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.action, a.target, a.actor])).toEqual([
      ['queue.retry', 'Q1AAAA', user],
      ['queue.bounce', 'Q2BBBB', user],
      ['queue.remove', 'Q2BBBB', user],
    ]);
    expect(await postern(['retry', 'Q2BBBB'])).toMatchObject({ code: 1, stderr: 'postern: queueId: no message Q2BBBB in the queue\n' });
  });

  it('retry, bounce and rm --json print the messages and recipients acted on, and those skipped', async () => {
    await seedMessage(t.prisma, {
      queueId: 'Q3CCCC', mailFrom: 'alice@example.test', minutesAgo: 30,
      recipients: [
        { rcpt: 'p@remote.example', status: 'DEFERRED', nextAttemptInMinutes: 60, attempts: [{ outcome: 'deferred', code: 451, reply: '4.4.1 later', minutesAgo: 20 }] },
        { rcpt: 'q@remote.example', status: 'SENT', attempts: [{ outcome: 'sent', code: 250, reply: '2.0.0 ok', minutesAgo: 20 }] },
      ],
    });
    const json = async (args: string[]) => {
      const r = await postern(args);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      return JSON.parse(r.stdout);
    };
    expect(await json(['retry', 'Q3CCCC', '--json'])).toEqual({ queueIds: ['Q3CCCC'], recipients: ['p@remote.example'], skipped: ['q@remote.example'] });
    expect(await json(['bounce', 'Q3CCCC', '--json'])).toEqual({ queueIds: ['Q3CCCC'], recipients: ['p@remote.example'], skipped: ['q@remote.example'] });
    expect((await t.prisma.outboundMessage.findFirstOrThrow({ where: { queueId: 'Q3CCCC', rcpt: 'p@remote.example' } })).bounceRequestedAt).not.toBeNull();
    // rm takes every recipient, whatever its state.
    expect(await json(['rm', 'Q3CCCC', '--json'])).toEqual({ queueIds: ['Q3CCCC'], recipients: ['p@remote.example', 'q@remote.example'], skipped: [] });
    expect(await t.prisma.outboundMessage.count({ where: { queueId: 'Q3CCCC' } })).toBe(0);
    // A refusal stays one line on stderr, with nothing on stdout for a script to misread.
    for (const verb of ['retry', 'bounce', 'rm']) {
      expect(await postern([verb, 'Q3CCCC', '--json'])).toEqual({ code: 1, stdout: '', stderr: 'postern: queueId: no message Q3CCCC in the queue\n' });
    }
  });
});
