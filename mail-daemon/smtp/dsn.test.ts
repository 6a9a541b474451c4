// RFC 3461 (DSN) on submission: the extension is offered, its parameters are checked,
// and what the client asked for is kept with each queued recipient for the next hop and
// for our own delivery status notifications.
import { describe, expect, it } from 'vitest';
import { PASSWORD } from '@/mail-daemon/testing/directory';
import { seededSmtpWorld, submissionSession, transcript, type RunningSmtp } from '@/mail-daemon/testing/smtp';

let smtp: RunningSmtp;

seededSmtpWorld((w) => ({ smtp } = w));

const session = () => submissionSession(smtp.ports.submission, 'alice@example.test', PASSWORD);

describe('RFC 3461 §4: the DSN extension', () => {
  it('is offered in EHLO', async () => {
    const c = await session();
    expect((await c.cmd('EHLO client.test')).lines).toContain('DSN');
    c.close();
  });

  it.each([
    ['§4.1 NOTIFY takes NEVER, SUCCESS, FAILURE, DELAY', 'RCPT TO:<x@remote.test> NOTIFY=SOMETIMES', 501],
    ['§4.1 NEVER stands alone', 'RCPT TO:<x@remote.test> NOTIFY=NEVER,FAILURE', 501],
    ['§4.2 ORCPT is addr-type;xtext', 'RCPT TO:<x@remote.test> ORCPT=nosemicolon', 501],
    ['§4.1 a valid NOTIFY list', 'RCPT TO:<x@remote.test> NOTIFY=FAILURE,DELAY', 250],
    ['§4.2 a valid ORCPT', 'RCPT TO:<x@remote.test> ORCPT=rfc822;x@remote.test', 250],
  ])('%s: %s → %i', async (_clause, line, code) => {
    const c = await session();
    await transcript(c, [['MAIL FROM:<alice@example.test> RET=HDRS ENVID=abc', 250], [line, code]]);
    c.close();
  });

  it('§4.3–§4.4, §5.2: RET, ENVID, NOTIFY and ORCPT are queued with each remote recipient', async () => {
    const c = await session();
    await transcript(c, [
      // ENVID arrives xtext-encoded (§4.4) and is kept decoded.
      ['MAIL FROM:<alice@example.test> RET=HDRS ENVID=env+2Bid', 250],
      ['RCPT TO:<one@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;one@remote.test', 250],
      ['RCPT TO:<two@remote.test>', 250],
      ['RCPT TO:<team@example.test> NOTIFY=NEVER', 250],
      ['DATA', 354],
    ]);
    const done = await c.cmd('Subject: dsn\r\n\r\nhello\r\n.');
    expect(done.code).toBe(250);
    const queueId = /queued as (\w+)/.exec(done.text)![1];
    const rows = await smtp.pool.query(
      `SELECT rcpt, dsn_notify, dsn_orcpt, dsn_ret, dsn_envid FROM outbound_queue WHERE queue_id = $1 ORDER BY rcpt`,
      [queueId],
    );
    expect(rows.rows).toEqual([
      { rcpt: 'one@remote.test', dsn_notify: ['SUCCESS', 'FAILURE'], dsn_orcpt: 'rfc822;one@remote.test', dsn_ret: 'HDRS', dsn_envid: 'env+id' },
      // §6.2.7: an alias's remote destination inherits the NOTIFY, with the alias as original recipient.
      { rcpt: 'someone@remote.test', dsn_notify: ['NEVER'], dsn_orcpt: 'rfc822;team@example.test', dsn_ret: 'HDRS', dsn_envid: 'env+id' },
      { rcpt: 'two@remote.test', dsn_notify: null, dsn_orcpt: null, dsn_ret: 'HDRS', dsn_envid: 'env+id' },
    ]);
    c.close();
  });
});
