// Round trips of the SMTP accept path on a real pool: a recipient resolves in one statement, mail for
// local recipients commits in one statement (blob, message, quota, receipt, TLS statistics). The
// statements are counted where node-postgres sends them.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRecipient } from '@/lib/directory';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { createTestMailbox, testMessage } from '@/mail-daemon/testing/mailbox';
import { countStatements } from '@/mail-daemon/testing/statements';
import { PolicyCache } from '../services/policy-cache';
import type { AcceptInput } from '../smtp/backend';
import { acceptMessage } from './accept';
import { PostgresSmtpBackend } from './backend';

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool(4);
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const statements = <T>(fn: (pool: pg.Pool) => Promise<T>) => countStatements(db, fn);

let n = 0;
function input(mailboxIds: string[], over: Partial<AcceptInput> = {}): AcceptInput {
  n++;
  return {
    queueId: `RT${n}${Date.now()}`,
    raw: testMessage(`round trip ${n}`),
    listener: 'mx',
    clientIp: '192.0.2.7',
    clientName: null,
    helo: 'sender.test',
    mailFrom: 'someone@sender.test',
    recipients: ['x@rt.test'],
    mailboxIds,
    remoteRecipients: [],
    forwarded: [],
    authUser: null,
    protocol: 'ESMTP',
    tls: null,
    receivedAt: new Date(),
    ...over,
  };
}

const count = async (sql: string, values: unknown[]) => Number((await pool.query(sql, values)).rows[0].n);

describe('recipient resolution (RCPT)', () => {
  it('a mailbox, its subaddress and an unknown local address: one statement each; an alias to a mailbox: one per level', async () => {
    await createTestMailbox(pool, 'rcpt@rt.test');
    await pool.query(`INSERT INTO aliases (id, domain_id, source, destinations) SELECT gen_random_uuid(), id, 'team@rt.test', '{rcpt@rt.test}' FROM domains WHERE name = 'rt.test'`);
    const cases: [string, string, number][] = [
      ['rcpt@rt.test', 'ok', 1],
      ['rcpt+lists@rt.test', 'ok', 1],
      ['nobody@rt.test', 'unknown', 1],
      ['someone@elsewhere.test', 'not_local', 1],
      ['team@rt.test', 'ok', 2],
    ];
    for (const [address, status, expected] of cases) {
      const { result, sent } = await statements((p) => resolveRecipient(p, address, () => '+'));
      expect([address, result.status, sent.length]).toEqual([address, status, expected]);
    }
  });
});

describe('vacation replies (RFC 3834)', () => {
  it('RCPT says whose owner is away in its one statement; the end of DATA asks about those only, so mail to the others costs no vacation lookup', async () => {
    const here = await createTestMailbox(pool, 'here@vacation.test');
    const away = await createTestMailbox(pool, 'away@vacation.test');
    await pool.query(`INSERT INTO vacation_settings (mailbox_id, enabled, subject, body) VALUES ($1, true, 'Away', 'Back on Monday.')`, [away.mailboxId]);
    const resolved = await statements((p) => resolveRecipient(p, 'away@vacation.test', () => '+'));
    expect(resolved.sent).toHaveLength(1);
    expect(resolved.result).toMatchObject({ status: 'ok', mailboxes: [{ id: away.mailboxId, away: true }] });
    expect(await resolveRecipient(pool, 'here@vacation.test', () => '+')).toMatchObject({ status: 'ok', mailboxes: [{ id: here.mailboxId, away: false }] });

    const accept = (p: pg.Pool, m: AcceptInput) => new PostgresSmtpBackend(db.prisma, p, new PolicyCache(db.prisma)).accept(m);
    await accept(pool, input([here.mailboxId, away.mailboxId])); // first mail: the default folders
    const nobodyAway = await statements((p) => accept(p, input([here.mailboxId], { away: [] })));
    expect(nobodyAway.sent).toEqual(['WITH blob AS']);
    const someoneAway = await statements((p) => accept(p, input([here.mailboxId, away.mailboxId], { away: [away.mailboxId], mailFrom: 'friend@sender.test', raw: Buffer.from('From: <friend@sender.test>\r\nTo: <away@vacation.test>\r\nSubject: lunch?\r\nMessage-ID: <lunch@sender.test>\r\n\r\nTuesday?\r\n') })));
    expect(someoneAway.sent.slice(0, 2)).toEqual(['WITH blob AS', 'SELECT v.mailbox_id, m.address,']);
    expect(await count(`SELECT count(*) AS n FROM vacation_replies WHERE mailbox_id = $1 AND sender = 'friend@sender.test'`, [away.mailboxId])).toBe(1);
  });
});

describe('end of DATA', () => {
  it('local recipients: one statement; message, receipt, quota and TLS statistics all written', async () => {
    const a = await createTestMailbox(pool, 'data@rt.test');
    await acceptMessage(pool, input([a.mailboxId])); // first mail: the default folders, in a transaction
    const m = input([a.mailboxId]);
    const { sent } = await statements((p) => acceptMessage(p, m));
    expect(sent).toEqual(['WITH blob AS']);
    expect(await count(`SELECT count(*) AS n FROM smtp_receipts WHERE queue_id = $1 AND message_id = $2`, [m.queueId, `roundtrip${n}@example.org`])).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM mail_messages mm JOIN mail_folders f ON f.id = mm.folder_id WHERE f.mailbox_id = $1 AND f.name = 'INBOX'`, [a.mailboxId])).toBe(2);
    const size = await count(`SELECT sum(size) AS n FROM mail_messages mm JOIN mail_folders f ON f.id = mm.folder_id WHERE f.mailbox_id = $1`, [a.mailboxId]);
    expect(await count(`SELECT used_bytes AS n FROM mailboxes WHERE id = $1`, [a.mailboxId])).toBe(size);
    expect(await count(`SELECT count(*) AS n FROM tls_hop_chains WHERE queue_id = $1`, [m.queueId])).toBe(1);
    expect(await count(`SELECT sum(messages) AS n FROM tls_daily_totals WHERE domain_id = $1`, [a.domainId])).toBe(2);
  });

  it('quarantined mail goes into Junk in the same one statement', async () => {
    const a = await createTestMailbox(pool, 'junk@rt.test');
    await acceptMessage(pool, input([a.mailboxId]));
    const { sent } = await statements((p) => acceptMessage(p, input([a.mailboxId], { arrival: { disposition: 'junk' } as AcceptInput['arrival'] })));
    expect(sent).toEqual(['WITH blob AS']);
    expect(await count(`SELECT count(*) AS n FROM mail_messages mm JOIN mail_folders f ON f.id = mm.folder_id WHERE f.mailbox_id = $1 AND f.special_use = '\\Junk'`, [a.mailboxId])).toBe(1);
  });

  it('quarantined mail for a mailbox whose owner deleted Junk goes into the INBOX, in the same one statement', async () => {
    const a = await createTestMailbox(pool, 'nojunk@rt.test');
    await acceptMessage(pool, input([a.mailboxId]));
    await pool.query(`DELETE FROM mail_folders WHERE mailbox_id = $1 AND special_use = '\\Junk'`, [a.mailboxId]);
    const { sent } = await statements((p) => acceptMessage(p, input([a.mailboxId], { arrival: { disposition: 'junk' } as AcceptInput['arrival'] })));
    expect(sent).toEqual(['WITH blob AS']);
    expect(await count(`SELECT count(*) AS n FROM mail_messages mm JOIN mail_folders f ON f.id = mm.folder_id WHERE f.mailbox_id = $1 AND f.name = 'INBOX'`, [a.mailboxId])).toBe(2);
    expect(await count(`SELECT count(*) AS n FROM mail_folders WHERE mailbox_id = $1 AND special_use = '\\Junk'`, [a.mailboxId])).toBe(0);
  });

  it('a database fault writes nothing and throws (the caller answers 451): a recipient mailbox that is gone', async () => {
    const gone = '00000000-0000-4000-8000-000000000001';
    const m = input([gone]);
    await expect(acceptMessage(pool, m)).rejects.toThrow();
    expect(await count(`SELECT count(*) AS n FROM smtp_receipts WHERE queue_id = $1`, [m.queueId])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM tls_hop_chains WHERE queue_id = $1`, [m.queueId])).toBe(0);
  });
});
