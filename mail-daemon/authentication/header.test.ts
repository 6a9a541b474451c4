// RFC 8601 §2.5 authserv-id and §5 removal of forged fields.
import { describe, expect, it } from 'vitest';
import { authservIdOf, removeForgedResults } from './header';

describe('RFC 8601 §2.2 authserv-id', () => {
  it.each([
    ['mx.postern.test; spf=pass', 'mx.postern.test'],
    ['  MX.Postern.Test ; none', 'mx.postern.test'],
    ['(a (nested) comment) mx.postern.test 1; dkim=pass', 'mx.postern.test'],
    ['"mx.postern.test"; none', 'mx.postern.test'],
    ['mx.postern.test.evil; spf=pass', 'mx.postern.test.evil'],
  ])('%s → %s', (value, id) => expect(authservIdOf(value)).toBe(id));
});

describe('RFC 8601 §5 forged fields', () => {
  const msg = Buffer.from(
    'Authentication-Results: mx.postern.test;\r\n\tdkim=pass header.d=bank.example\r\nAuthentication-Results: other.example; spf=pass\r\nSubject: x\r\n\r\nAuthentication-Results: mx.postern.test; in the body\r\n',
  );
  it('removes only the header fields claiming our id, folded lines included, never the body', () => {
    const { message, removed } = removeForgedResults(msg, 'mx.postern.test');
    expect(removed).toBe(1);
    expect(message.toString()).toBe('Authentication-Results: other.example; spf=pass\r\nSubject: x\r\n\r\nAuthentication-Results: mx.postern.test; in the body\r\n');
  });
  it('with spamFields, also a sender\'s own X-Spam-Status and X-Spam-Score, in the same pass', () => {
    const sent = Buffer.from('X-Spam-Status: No, score=-10.00\r\nAuthentication-Results: mx.postern.test; spf=pass\r\nX-Spam-Score: -10.00\r\nSubject: x\r\n\r\nX-Spam-Score: body\r\n');
    const { message, removed } = removeForgedResults(sent, 'mx.postern.test', true);
    expect(removed).toBe(3);
    expect(message.toString()).toBe('Subject: x\r\n\r\nX-Spam-Score: body\r\n');
    expect(removeForgedResults(sent, 'mx.postern.test').removed).toBe(1);
  });
  it('returns the same buffer when nothing is forged', () => {
    const clean = Buffer.from('Subject: x\r\n\r\nbody\r\n');
    expect(removeForgedResults(clean, 'mx.postern.test').message).toBe(clean);
  });
});
