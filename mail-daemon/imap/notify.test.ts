// NOTIFY (RFC 5465) transcripts: client lines → server lines over TLS against the real store,
// one table per clause. Changes come from another daemon process (a second server on the
// same database) or from SMTP delivery; the notified session is not in IDLE, so every
// notification here arrives between commands, unasked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { freshUser, loginClient, runSteps, type Step } from '@/mail-daemon/testing/imap-transcript';
import type { WireClient } from '@/mail-daemon/testing/imap-wire';

let h: ImapHarness;
let other: { port: number; close(): Promise<void> };
const PASSWORD = 'correct horse battery';
const clients: WireClient[] = [];

beforeAll(async () => {
  h = await startImapHarness({ limits: { maxConnectionsPerIp: 80 } });
  other = await h.secondServer();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await other?.close();
  await h?.close();
});

/** One account; `watcher` on the first server, `changer` on the second (another process). */
async function pair(messages = 0): Promise<{ watcher: WireClient; changer: WireClient; mailboxId: string }> {
  const u = await freshUser(h, PASSWORD, 'notify');
  for (let i = 1; i <= messages; i++) await h.deliver(u.mailboxId, testMessage(`Message ${i}`));
  const watcher = await loginClient(h.port, u.address, PASSWORD);
  const changer = await loginClient(other.port, u.address, PASSWORD);
  clients.push(watcher, changer);
  return { watcher, changer, mailboxId: u.mailboxId };
}

const appendLine = (folder: string, subject: string) => {
  const msg = testMessage(subject).toString();
  return `A APPEND ${folder} {${msg.length}+}\r\n${msg}`;
};

const SUPPORTED = 'MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange';

describe('RFC 5465 3: the NOTIFY command', () => {
  it('accepts SET and NONE, refuses event lists the RFC forbids, names the events it has', async () => {
    const { watcher } = await pair();
    const steps: Step[] = [
      ['n1 NOTIFY NONE', ['n1 OK NOTIFY completed']],
      ['n2 NOTIFY SET (selected (MessageNew (uid body.peek[header.fields (from to subject)]) MessageExpunge)) (subtree Lists (MessageNew MessageExpunge)) (mailboxes misc (MessageNew MessageExpunge))', ['n2 OK NOTIFY completed']],
      ['n3 NOTIFY SET (SELECTED (MessageNew))', ['n3 BAD [CLIENTBUG] MessageNew and MessageExpunge go together']],
      ['n4 NOTIFY SET (PERSONAL (MessageExpunge))', ['n4 BAD [CLIENTBUG] MessageNew and MessageExpunge go together']],
      ['n5 NOTIFY SET (PERSONAL (FlagChange))', ['n5 BAD [CLIENTBUG] FlagChange needs MessageNew and MessageExpunge']],
      ['n6 NOTIFY SET (PERSONAL (MessageNew (UID) MessageExpunge))', ['n6 BAD [CLIENTBUG] Fetch attributes are for the selected mailbox only']],
      ['n7 NOTIFY SET (SELECTED (MessageNew (BODY[]) MessageExpunge))', ['n7 BAD [CLIENTBUG] Notifications fetch with BODY.PEEK only']],
      ['n8 NOTIFY SET (SELECTED (MessageNew MessageExpunge)) (SELECTED-DELAYED (MessageNew MessageExpunge))', ['n8 BAD [CLIENTBUG] One SELECTED or SELECTED-DELAYED filter at most']],
      [`n9 NOTIFY SET (PERSONAL (MailboxMetadataChange))`, [`n9 NO [BADEVENT (${SUPPORTED})] Unsupported event`]],
      [`n10 NOTIFY SET (PERSONAL (MessageNew MessageExpunge AnnotationChange))`, [`n10 NO [BADEVENT (${SUPPORTED})] Unsupported event`]],
      ['n11 NOTIFY SET (EVERYWHERE (MessageNew MessageExpunge))', ['n11 BAD [CLIENTBUG] NOTIFY: Unknown NOTIFY mailbox filter']],
      ['n12 NOTIFY SET', ['n12 BAD [CLIENTBUG] NOTIFY: Expected a space']],
      ['n13 NOTIFY SET (INBOXES NONE) (PERSONAL (MailboxName SubscriptionChange))', ['n13 OK NOTIFY completed']],
      ['n14 NOTIFY SET (SELECTED (MessageNew MessageExpunge MailboxName))', ['n14 BAD [CLIENTBUG] SELECTED takes message events only']],
    ];
    await runSteps(watcher, steps);
  });
});

describe('RFC 5465 5.1-5.4: the selected mailbox (SELECTED)', () => {
  it('MessageNew with fetch attributes, FlagChange and MessageExpunge arrive between commands, from another process and from delivery', async () => {
    const { watcher, changer, mailboxId } = await pair(1);
    await runSteps(watcher, [
      ['s1 SELECT INBOX', ['...', 's1 OK [READ-WRITE] SELECT completed']],
      ['s2 NOTIFY SET (SELECTED (MessageNew (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)]) MessageExpunge FlagChange))', ['s2 OK NOTIFY completed']],
    ]);
    await h.deliver(mailboxId, testMessage('Delivered'));
    await runSteps(watcher, [[null, ['* 2 EXISTS', /^\* \d+ RECENT$/, /^\* 2 FETCH \(UID 2 BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}\r\nSubject: Delivered\r\n\r\n\)$/]]]);
    await runSteps(changer, [['c1 SELECT INBOX', ['...', /^c1 OK/]], ['c2 STORE 1 +FLAGS.SILENT (\\Flagged)', ['c2 OK STORE completed']]]);
    await runSteps(watcher, [[null, [/^\* 1 FETCH \(UID 1 FLAGS \(\\Flagged \\Recent\)\)$/]]]);
    await runSteps(changer, [[appendLine('INBOX', 'Appended elsewhere'), ['...', /^A OK \[APPENDUID \d+ 3\]/]]]);
    await runSteps(watcher, [[null, ['* 3 EXISTS', /^\* \d+ RECENT$/, /^\* 3 FETCH \(UID 3 BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}\r\nSubject: Appended elsewhere\r\n\r\n\)$/]]]);
    await runSteps(changer, [['c3 STORE 1 +FLAGS.SILENT (\\Deleted)', ['...', 'c3 OK STORE completed']], ['c4 EXPUNGE', ['...', 'c4 OK EXPUNGE completed']]]);
    await runSteps(watcher, [
      [null, ['...', '* 1 EXPUNGE']],
      ['s3 NOOP', ['s3 OK NOOP completed']],
    ]);
  });

  it('SELECTED-DELAYED keeps expunges for a command; without FlagChange, flag changes are not sent', async () => {
    const { watcher, changer } = await pair(2);
    await runSteps(watcher, [
      ['s1 SELECT INBOX', ['...', 's1 OK [READ-WRITE] SELECT completed']],
      ['s2 NOTIFY SET (SELECTED-DELAYED (MessageNew MessageExpunge))', ['s2 OK NOTIFY completed']],
    ]);
    await runSteps(changer, [
      ['c1 SELECT INBOX', ['...', /^c1 OK/]],
      ['c2 STORE 2 +FLAGS.SILENT (\\Seen)', ['c2 OK STORE completed']],
      ['c3 STORE 1 +FLAGS.SILENT (\\Deleted)', ['c3 OK STORE completed']],
      ['c4 EXPUNGE', ['* 1 EXPUNGE', 'c4 OK EXPUNGE completed']],
      [appendLine('INBOX', 'After the expunge'), ['...', /^A OK \[APPENDUID/]],
    ]);
    // The new message is told at once; the expunge before it (and the flag changes) are not.
    await runSteps(watcher, [
      [null, ['* 3 EXISTS', /^\* \d+ RECENT$/]],
      // Message 1 is still numbered (its expunge is held back), but gone: FETCH skips it.
      ['s3 FETCH 1:* UID', ['* 2 FETCH (UID 2)', '* 3 FETCH (UID 3)', 's3 OK FETCH completed']],
      ['s4 NOOP', ['* 1 EXPUNGE', 's4 OK NOOP completed']],
    ]);
  });

  it('without a SELECTED filter, the selected mailbox is told at commands only, as without NOTIFY', async () => {
    const { watcher, changer } = await pair(1);
    await runSteps(watcher, [
      ['s1 SELECT INBOX', ['...', 's1 OK [READ-WRITE] SELECT completed']],
      ['s2 NOTIFY SET (MAILBOXES Sent (MessageNew MessageExpunge))', ['s2 OK NOTIFY completed']],
    ]);
    await runSteps(changer, [[appendLine('INBOX', 'Into INBOX'), ['...', /^A OK/]], [appendLine('Sent', 'Into Sent'), [/^A OK/]]]);
    // Sent's STATUS comes unasked; INBOX's EXISTS, which came first, waits for the NOOP.
    await runSteps(watcher, [
      [null, [/^\* STATUS "Sent" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1\)$/]],
      ['s3 NOOP', ['* 2 EXISTS', /^\* \d+ RECENT$/, 's3 OK NOOP completed']],
    ]);
  });
});

describe('RFC 5465 5.2-5.4, 6: other mailboxes get STATUS', () => {
  it('NOTIFY SET STATUS reports each mailbox first; then MessageNew, MessageExpunge, FlagChange', async () => {
    const { watcher, changer, mailboxId } = await pair(1);
    await runSteps(watcher, [
      ['e1 ENABLE CONDSTORE', ['* ENABLED CONDSTORE', 'e1 OK ENABLE completed']],
      ['s1 NOTIFY SET STATUS (INBOXES (MessageNew MessageExpunge FlagChange))', [/^\* STATUS "INBOX" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1 HIGHESTMODSEQ \d+\)$/, /^\* STATUS "Junk" \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ UNSEEN 0 HIGHESTMODSEQ \d+\)$/, 's1 OK NOTIFY completed']],
    ]);
    await h.deliver(mailboxId, testMessage('Second'));
    await runSteps(watcher, [[null, [/^\* STATUS "INBOX" \(MESSAGES 2 UIDNEXT 3 UIDVALIDITY \d+ UNSEEN 2 HIGHESTMODSEQ \d+\)$/]]]);
    await runSteps(changer, [['c1 SELECT INBOX', ['...', /^c1 OK/]], ['c2 STORE 1 +FLAGS.SILENT (\\Seen \\Deleted)', ['c2 OK STORE completed']]]);
    await runSteps(watcher, [[null, [/^\* STATUS "INBOX" \(MESSAGES 2 UIDNEXT 3 UIDVALIDITY \d+ UNSEEN 1 HIGHESTMODSEQ \d+\)$/]]]);
    await runSteps(changer, [['c3 EXPUNGE', ['* 1 EXPUNGE', 'c3 OK EXPUNGE completed']]]);
    await runSteps(watcher, [[null, [/^\* STATUS "INBOX" \(MESSAGES 1 UIDNEXT 3 UIDVALIDITY \d+ UNSEEN 1 HIGHESTMODSEQ \d+\)$/]]]);
  });

  it('a mailbox created after NOTIFY SET is told with its first message', async () => {
    const { watcher, changer } = await pair();
    await runSteps(watcher, [['s1 NOTIFY SET (PERSONAL (MessageNew MessageExpunge MailboxName))', ['s1 OK NOTIFY completed']]]);
    await runSteps(changer, [['c1 CREATE Later', ['c1 OK CREATE completed']], [appendLine('Later', 'First in Later'), [/^A OK/]]]);
    await runSteps(watcher, [[null, ['* LIST () "/" "Later"', /^\* STATUS "Later" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1\)$/]]]);
  });

  it('without FlagChange a flag change is not told; the next new message is', async () => {
    const { watcher, changer, mailboxId } = await pair(1);
    await runSteps(watcher, [['s1 NOTIFY SET (PERSONAL (MessageNew MessageExpunge))', ['s1 OK NOTIFY completed']]]);
    await runSteps(changer, [['c1 SELECT INBOX', ['...', /^c1 OK/]], ['c2 STORE 1 +FLAGS.SILENT (\\Seen)', ['c2 OK STORE completed']]]);
    await h.deliver(mailboxId, testMessage('Second'));
    await runSteps(watcher, [[null, [/^\* STATUS "INBOX" \(MESSAGES 2 UIDNEXT 3 UIDVALIDITY \d+ UNSEEN 1\)$/]]]);
  });

  // [filter, folders to create, a folder it does not cover, a folder it covers]
  const filters: [string, string[], string, string][] = [
    ['INBOXES', [], 'Sent', 'INBOX'],
    ['INBOXES', [], 'Archive', 'Junk'],
    ['PERSONAL', [], 'nothing', 'Trash'],
    ['SUBSCRIBED', ['Lists', 'Other'], 'Other', 'Lists'],
    ['SUBTREE Lists', ['Lists/a', 'Other'], 'Other', 'Lists/a'],
    ['SUBTREE (Lists Other)', ['Lists/a', 'Other', 'Elsewhere'], 'Elsewhere', 'Other'],
    ['MAILBOXES Lists', ['Lists/a'], 'Lists/a', 'Lists'],
    ['MAILBOXES (Sent Other)', ['Other'], 'Drafts', 'Other'],
  ];
  it.each(filters)('%s', async (filter, create, uncovered, covered) => {
    const { watcher, changer } = await pair();
    for (const name of create) await runSteps(changer, [[`c CREATE ${name}`, ['c OK CREATE completed']]]);
    if (filter === 'SUBSCRIBED') await runSteps(changer, [['c SUBSCRIBE Lists', ['c OK SUBSCRIBE completed']]]);
    await runSteps(watcher, [[`s1 NOTIFY SET (${filter} (MessageNew MessageExpunge))`, ['s1 OK NOTIFY completed']]]);
    if (uncovered !== 'nothing') await runSteps(changer, [[appendLine(uncovered, 'Not watched'), [/^A OK/]]]);
    await runSteps(changer, [[appendLine(covered, 'Watched'), [/^A OK/]]]);
    // A STATUS for the uncovered folder would have come first.
    await runSteps(watcher, [[null, [new RegExp(`^\\* STATUS "${covered}" \\(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \\d+ UNSEEN 1\\)$`)]]]);
  });
});

describe('RFC 5465 6: the groups are tried in order', () => {
  it('a group naming the mailbox without the event passes it on; one with NONE stops it', async () => {
    const { watcher, changer } = await pair();
    await runSteps(watcher, [['s1 NOTIFY SET (MAILBOXES Sent NONE) (INBOXES (MailboxName)) (PERSONAL (MessageNew MessageExpunge))', ['s1 OK NOTIFY completed']]]);
    await runSteps(changer, [[appendLine('Sent', 'Not told'), [/^A OK/]], [appendLine('INBOX', 'Told by PERSONAL'), [/^A OK/]]]);
    await runSteps(watcher, [[null, [/^\* STATUS "INBOX" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1\)$/]]]);
  });
});

describe('RFC 5465 3: notifications in IDLE', () => {
  it('STATUS of other mailboxes comes during IDLE, beside the selected mailbox EXISTS', async () => {
    const { watcher, changer, mailboxId } = await pair();
    await runSteps(watcher, [
      ['s1 SELECT INBOX', ['...', 's1 OK [READ-WRITE] SELECT completed']],
      ['s2 NOTIFY SET (SELECTED (MessageNew MessageExpunge)) (PERSONAL (MessageNew MessageExpunge))', ['s2 OK NOTIFY completed']],
      ['s3 IDLE', ['+ idling']],
    ]);
    await runSteps(changer, [[appendLine('Drafts', 'A draft'), [/^A OK/]]]);
    await runSteps(watcher, [[null, [/^\* STATUS "Drafts" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1\)$/]]]);
    await h.deliver(mailboxId, testMessage('While idling'));
    await runSteps(watcher, [
      [null, ['* 1 EXISTS', /^\* \d+ RECENT$/]],
      ['DONE', ['s3 OK IDLE completed']],
    ]);
  });
});

describe('RFC 5465 5.5-5.6: MailboxName and SubscriptionChange', () => {
  it('CREATE, RENAME and DELETE in another process come as LIST; subscriptions as LIST with or without \\Subscribed', async () => {
    const { watcher, changer } = await pair();
    await runSteps(watcher, [['s1 NOTIFY SET (PERSONAL (MailboxName SubscriptionChange))', ['s1 OK NOTIFY completed']]]);
    const told: [string, string[]][] = [
      ['c1 CREATE Fresh', ['* LIST () "/" "Fresh"']],
      ['c2 RENAME Fresh Renamed', ['* LIST () "/" "Renamed" ("OLDNAME" ("Fresh"))']],
      ['c3 SUBSCRIBE Renamed', ['* LIST (\\Subscribed) "/" "Renamed"']],
      ['c4 UNSUBSCRIBE Renamed', ['* LIST () "/" "Renamed"']],
      ['c5 DELETE Renamed', ['* LIST (\\NonExistent) "/" "Renamed"']],
    ];
    for (const [command, lines] of told) {
      const tag = command.split(' ')[0];
      await runSteps(changer, [[command, [new RegExp(`^${tag} OK`)]]]);
      await runSteps(watcher, [[null, lines]]);
    }
  });

  it('MailboxName only for the mailboxes the filter names', async () => {
    const { watcher, changer } = await pair();
    await runSteps(watcher, [['s1 NOTIFY SET (SUBTREE Projects (MailboxName))', ['s1 OK NOTIFY completed']]]);
    await runSteps(changer, [['c1 CREATE Elsewhere', ['c1 OK CREATE completed']], ['c2 CREATE Projects/x', ['c2 OK CREATE completed']]]);
    await runSteps(watcher, [[null, ['* LIST () "/" "Projects"', '* LIST () "/" "Projects/x"']]]);
  });
});

describe('RFC 5465 5.8: NOTIFICATIONOVERFLOW', () => {
  it('a client that stops reading while changes pile up is told, and NOTIFY is off', async () => {
    const { watcher, mailboxId } = await pair();
    await runSteps(watcher, [
      ['s1 SELECT INBOX', ['...', 's1 OK [READ-WRITE] SELECT completed']],
      ['s2 NOTIFY SET (SELECTED (MessageNew (UID BODY.PEEK[]) MessageExpunge))', ['s2 OK NOTIFY completed']],
    ]);
    watcher.pause();
    const big = testMessage('Big', `${'y'.repeat(998)}\r\n`.repeat(512));
    for (let i = 0; i < 24; i++) await h.deliver(mailboxId, big);
    for (let i = 0; i < 70; i++) await h.deliver(mailboxId, testMessage(`Small ${i}`));
    watcher.resume();
    let fetched = 0;
    for (;;) {
      const line = await watcher.line(30_000);
      if (line.startsWith('* OK [NOTIFICATIONOVERFLOW]')) break;
      if (/^\* \d+ FETCH \(UID \d+ BODY\[\] \{/.test(line)) fetched++;
    }
    expect(fetched).toBeGreaterThan(0);
    expect(fetched).toBeLessThan(94);
    // Off: a new message is told at the next command, without its fetch attributes.
    await runSteps(watcher, [['s3 NOOP', ['...', 's3 OK NOOP completed']]]);
    await h.deliver(mailboxId, testMessage('After the overflow'));
    await runSteps(watcher, [['s4 NOOP', ['* 95 EXISTS', /^\* \d+ RECENT$/, 's4 OK NOOP completed']]]);
  });
});
