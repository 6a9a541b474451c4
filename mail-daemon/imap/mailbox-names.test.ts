// RFC 3501 5.1.3 mailbox names in modified UTF-7: one spelling per name, so LIST shows the name
// the client created; a name that is not valid modified UTF-7 names no mailbox (NO, and no
// match in a LIST pattern, never BAD). New names have no empty, "." or ".." levels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { freshUser, loginClient, runSteps } from '@/mail-daemon/testing/imap-transcript';
import { decodeMailboxName, encodeMailboxName } from './protocol/utf7';

let h: ImapHarness;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  h = await startImapHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('RFC 3501 5.1.3 modified UTF-7: decoding', () => {
  const table: [wire: string, name: string | null][] = [
    ['Entw&APw-rfe', 'Entwürfe'],
    ['&AOQA5A-', 'ää'],
    ['&AOQ-&-', 'ä&'],
    ['a&-b', 'a&b'],
    ['&ZeVnLIqe-', '日本語'],
    ['&2D3eAA-', '😀'],
    // Printable ASCII encoded, stray bits, two adjacent runs, a lone surrogate, no terminator.
    ['&AGE-', null],
    ['&,,,-', null],
    ['&AOR-', null],
    ['&AOQ-&AOQ-', null],
    ['&2D0-', null],
    ['&AOQ', null],
    ['&A-', null],
  ];
  it.each(table)('%s', (wire, name) => {
    if (name === null) expect(() => decodeMailboxName(wire)).toThrow();
    else {
      expect(decodeMailboxName(wire)).toBe(name);
      expect(encodeMailboxName(name)).toBe(wire);
    }
  });
});

describe('RFC 3501 5.1.3 modified UTF-7 on the wire', () => {
  it('an undecodable name is NO for commands and matches nothing in LIST', async () => {
    const { address } = await freshUser(h, PASSWORD, 'names');
    const c = await loginClient(h.port, address, PASSWORD);
    await runSteps(c, [
      ['n1 SELECT "&AGE-"', ['n1 NO [NONEXISTENT] No such mailbox']],
      ['n2 EXAMINE "&Jjo"', ['n2 NO [NONEXISTENT] No such mailbox']],
      ['n3 STATUS "&,,,-" (MESSAGES)', ['n3 NO [NONEXISTENT] No such mailbox']],
      ['n4 LIST "" "&AGE-"', ['n4 OK LIST completed']],
      ['n5 LIST "" ("&Jjo" "INBOX")', ['* LIST (\\HasNoChildren) "/" "INBOX"', 'n5 OK LIST completed']],
      ['n6 LSUB "&AGE-" "*"', ['n6 OK LSUB completed']],
      ['n7 CREATE "&AGE-"', ['n7 NO [CANNOT] Operation not permitted on this mailbox']],
      ['n8 CREATE "&,,,-"', ['n8 NO [CANNOT] Operation not permitted on this mailbox']],
      ['n9 CREATE "&AOQ-&AOQ-"', ['n9 NO [CANNOT] Operation not permitted on this mailbox']],
      ['n10 SUBSCRIBE "&AGE-"', ['n10 NO [CANNOT] Operation not permitted on this mailbox']],
      ['n11 CREATE "&AOQA5A-"', ['n11 OK CREATE completed']],
      ['n12 LIST "" "&AOQA5A-"', ['* LIST (\\HasNoChildren) "/" "&AOQA5A-"', 'n12 OK LIST completed']],
      ['n13 RENAME "&AOQA5A-" "&AGE-"', ['n13 NO [CANNOT] Operation not permitted on this mailbox']],
      ['n14 DELETE "&AGE-"', ['n14 NO [NONEXISTENT] No such mailbox']],
    ]);
    c.close();
  });
});

describe('RFC 3501 6.3.3 CREATE, 6.3.5 RENAME: hierarchy levels', () => {
  it('refuses empty, "." and ".." levels', async () => {
    const { address } = await freshUser(h, PASSWORD, 'levels');
    const c = await loginClient(h.port, address, PASSWORD);
    const refused = 'NO [CANNOT] Operation not permitted on this mailbox';
    await runSteps(c, [
      ['d1 CREATE "a/../b"', [`d1 ${refused}`]],
      ['d2 CREATE ".."', [`d2 ${refused}`]],
      ['d3 CREATE "a/./b"', [`d3 ${refused}`]],
      ['d4 CREATE "a//b"', [`d4 ${refused}`]],
      ['d5 CREATE "/a"', [`d5 ${refused}`]],
      ['d6 CREATE "a/b/"', ['d6 OK CREATE completed']],
      ['d7 RENAME "a/b" "../x"', [`d7 ${refused}`]],
      ['d8 RENAME "a/b" "x/../y"', [`d8 ${refused}`]],
      ['d9 SUBSCRIBE "a/../b"', [`d9 ${refused}`]],
      ['d10 LIST "" "*"', ['...', '* LIST (\\HasChildren) "/" "a"', '* LIST (\\HasNoChildren) "/" "a/b"', '...', 'd10 OK LIST completed']],
      ['d11 RENAME "a/b" "a..b"', ['d11 OK RENAME completed']],
    ]);
    c.close();
  });
});
