// RFC 5258 LIST-EXTENDED selection options and RFC 3501 6.3.6 / 6.3.9 subscriptions: names of
// their own, kept when their folder goes, listed \NonExistent when it does not exist; creating a
// folder subscribes nothing. Real TLS against the real store.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { freshUser, loginClient, runSteps } from '@/mail-daemon/testing/imap-transcript';
import type { WireClient } from '@/mail-daemon/testing/imap-wire';

let h: ImapHarness;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  h = await startImapHarness();
});
afterAll(async () => {
  await h?.close();
});

async function client(): Promise<WireClient> {
  const { address } = await freshUser(h, PASSWORD, 'list');
  return loginClient(h.port, address, PASSWORD);
}

describe('RFC 3501 6.3.6 SUBSCRIBE, 6.3.7 UNSUBSCRIBE, 6.3.9 LSUB', () => {
  it('the default folders are subscribed; CREATE subscribes nothing; DELETE keeps the subscription', async () => {
    const c = await client();
    await runSteps(c, [
      ['s1 LSUB "" "*"', [
        '* LSUB () "/" "INBOX"', '* LSUB () "/" "Archive"', '* LSUB () "/" "Drafts"', '* LSUB () "/" "Junk"', '* LSUB () "/" "Sent"', '* LSUB () "/" "Trash"',
        's1 OK LSUB completed',
      ]],
      ['s2 CREATE "Projects/2026"', ['s2 OK CREATE completed']],
      ['s3 LSUB "" "Projects*"', ['s3 OK LSUB completed']],
      ['s4 SUBSCRIBE "Projects/2026"', ['s4 OK SUBSCRIBE completed']],
      ['s5 DELETE "Projects/2026"', ['s5 OK DELETE completed']],
      ['s6 LSUB "" "Projects/*"', ['* LSUB () "/" "Projects/2026"', 's6 OK LSUB completed']],
      ['s7 LSUB "" "Projects%"', ['* LSUB (\\Noselect) "/" "Projects"', 's7 OK LSUB completed']],
      ['s8 SUBSCRIBE "Not/Yet"', ['s8 OK SUBSCRIBE completed']],
      ['s9 LSUB "" "Not/*"', ['* LSUB () "/" "Not/Yet"', 's9 OK LSUB completed']],
      ['s10 UNSUBSCRIBE "Not/Yet"', ['s10 OK UNSUBSCRIBE completed']],
      ['s11 UNSUBSCRIBE "Not/Yet"', ['s11 OK UNSUBSCRIBE completed']],
      ['s12 LSUB "" "Not*"', ['s12 OK LSUB completed']],
      ['s13 UNSUBSCRIBE Sent', ['s13 OK UNSUBSCRIBE completed']],
      ['s14 LSUB "" "Sent"', ['s14 OK LSUB completed']],
      ['s15 RENAME "Projects" "Work"', ['s15 OK RENAME completed']],
      ['s16 LSUB "" "Projects/*"', ['* LSUB () "/" "Projects/2026"', 's16 OK LSUB completed']],
    ]);
    c.close();
  });
});

describe('RFC 5258 3.1 LIST selection options', () => {
  it('SUBSCRIBED lists subscribed names, \\NonExistent when there is no folder; RECURSIVEMATCH adds CHILDINFO', async () => {
    const c = await client();
    await runSteps(c, [
      ['l1 CREATE "Fruit/Apple"', ['l1 OK CREATE completed']],
      ['l2 CREATE "Fruit/Banana"', ['l2 OK CREATE completed']],
      ['l3 SUBSCRIBE "Fruit/Banana"', ['l3 OK SUBSCRIBE completed']],
      ['l4 SUBSCRIBE "Fruit/Peach"', ['l4 OK SUBSCRIBE completed']],
      ['l5 LIST (SUBSCRIBED) "" "Fruit/*"', [
        '* LIST (\\HasNoChildren \\Subscribed) "/" "Fruit/Banana"',
        '* LIST (\\NonExistent \\Subscribed) "/" "Fruit/Peach"',
        'l5 OK LIST completed',
      ]],
      ['l6 LIST (SUBSCRIBED) "" "%"', [
        '* LIST (\\HasNoChildren \\Subscribed) "/" "INBOX"', '...', 'l6 OK LIST completed',
      ]],
      ['l7 LIST (SUBSCRIBED RECURSIVEMATCH) "" "Fr%"', ['* LIST (\\HasChildren) "/" "Fruit" (CHILDINFO ("SUBSCRIBED"))', 'l7 OK LIST completed']],
      ['l8 LIST (RECURSIVEMATCH SUBSCRIBED REMOTE) "" "Fr%"', ['* LIST (\\HasChildren) "/" "Fruit" (CHILDINFO ("SUBSCRIBED"))', 'l8 OK LIST completed']],
      ['l9 SUBSCRIBE Fruit', ['l9 OK SUBSCRIBE completed']],
      ['l10 LIST (SUBSCRIBED RECURSIVEMATCH) "" "Fr%"', ['* LIST (\\HasChildren \\Subscribed) "/" "Fruit" (CHILDINFO ("SUBSCRIBED"))', 'l10 OK LIST completed']],
      ['l11 LIST (SUBSCRIBED RECURSIVEMATCH) "" "Fruit/*"', [
        '* LIST (\\HasNoChildren \\Subscribed) "/" "Fruit/Banana"',
        '* LIST (\\NonExistent \\Subscribed) "/" "Fruit/Peach"',
        'l11 OK LIST completed',
      ]],
      ['l12 LIST (SUBSCRIBED) "" "Fr%"', ['* LIST (\\HasChildren \\Subscribed) "/" "Fruit"', 'l12 OK LIST completed']],
      ['l13 LIST (RECURSIVEMATCH) "" "*"', ['l13 BAD [CLIENTBUG] LIST: RECURSIVEMATCH needs another selection option']],
      ['l14 LIST (RECURSIVEMATCH REMOTE) "" "*"', ['l14 BAD [CLIENTBUG] LIST: RECURSIVEMATCH needs another selection option']],
      ['l15 LIST (REMOTE) "" "Fruit"', ['* LIST (\\HasChildren) "/" "Fruit"', 'l15 OK LIST completed']],
      ['l16 LIST () "" "Fruit/%" RETURN (SUBSCRIBED CHILDREN)', [
        '* LIST (\\HasNoChildren) "/" "Fruit/Apple"',
        '* LIST (\\HasNoChildren \\Subscribed) "/" "Fruit/Banana"',
        'l16 OK LIST completed',
      ]],
      ['l17 LIST "" "Fruit/*"', ['* LIST (\\HasNoChildren) "/" "Fruit/Apple"', '* LIST (\\HasNoChildren) "/" "Fruit/Banana"', 'l17 OK LIST completed']],
      ['l18 LIST (SUBSCRIBED) "" "Fruit/*" RETURN (STATUS (MESSAGES))', [
        '* LIST (\\HasNoChildren \\Subscribed) "/" "Fruit/Banana"',
        '* STATUS "Fruit/Banana" (MESSAGES 0)',
        '* LIST (\\NonExistent \\Subscribed) "/" "Fruit/Peach"',
        'l18 OK LIST completed',
      ]],
      ['l19 LIST (BOGUS) "" "*"', ['l19 BAD [CLIENTBUG] LIST: Unknown LIST selection option']],
    ]);
    c.close();
  });
});
