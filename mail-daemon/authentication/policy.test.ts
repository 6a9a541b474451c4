// What the results mean under the recipient domains' policies (RFC 7489 §6.3 pct, §6.6.4).
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type Policy } from '@/lib/policy';
import type { AuthenticationResults } from './authenticate';
import { dmarcPct } from './authenticate';
import { judgeAuthentication, sampledPolicy } from './policy';

const results = (over: Partial<AuthenticationResults>): AuthenticationResults => ({
  fromDomain: 'sender.test',
  spf: { result: 'pass', domain: 'sender.test' },
  helo: null,
  dkim: [],
  dmarc: null,
  arc: { result: 'none', instance: false },
  header: '',
  ...over,
});
const policy = (over: Partial<Policy> = {}): Policy => ({ ...DEFAULT_POLICY, ...over });
const dmarcFail = (p: 'reject' | 'quarantine', pct = 100) => ({ result: 'fail', policy: p, pct });

describe('RFC 7489 §6.3 pct and §6.6.4 sampling', () => {
  it.each([
    ['v=DMARC1; p=reject', 100],
    ['v=DMARC1; p=reject; pct=20', 20],
    ['v=DMARC1; PCT = 0 ; p=reject', 0],
    ['v=DMARC1; p=reject; pct=500', 100],
  ])('%s → pct %i', (record, pct) => expect(dmarcPct(record)).toBe(pct));
  it.each([
    ['reject', 50, 10, 'reject'],
    ['reject', 50, 60, 'quarantine'],
    ['quarantine', 50, 60, 'none'],
    ['reject', 0, 0, 'quarantine'],
  ] as const)('%s pct=%i draw=%i → %s', (p, pct, draw, out) => expect(sampledPolicy(p, pct, draw)).toBe(out));
  it('a failing message not selected by pct gets the next policy down', () => {
    expect(judgeAuthentication(results({ dmarc: dmarcFail('reject', 10) }), [policy()], 50)).toEqual({ action: 'junk', reason: 'dmarc=quarantine' });
  });
});

describe('the policy knobs', () => {
  it.each([
    ['dmarcEnforce off: noted only', results({ dmarc: dmarcFail('reject') }), policy({ dmarcEnforce: false }), 'inbox'],
    ['authChecks off: nothing applies', results({ dmarc: dmarcFail('reject') }), policy({ authChecks: false }), 'inbox'],
    ['spf fail, spfFailAction none', results({ spf: { result: 'fail', domain: 'x' } }), policy({ spfFailAction: 'none' }), 'inbox'],
    ['spf fail, spfFailAction junk', results({ spf: { result: 'fail', domain: 'x' } }), policy({ spfFailAction: 'junk' }), 'junk'],
    ['spf fail, spfFailAction reject', results({ spf: { result: 'fail', domain: 'x' } }), policy({ spfFailAction: 'reject' }), 'reject'],
    ['spf fail with a passing DKIM signature', results({ spf: { result: 'fail', domain: 'x' }, dkim: [{ result: 'pass', domain: 'y' }] }), policy({ spfFailAction: 'reject' }), 'inbox'],
    ['spf softfail is never judged', results({ spf: { result: 'softfail', domain: 'x' } }), policy({ spfFailAction: 'reject' }), 'inbox'],
  ] as const)('%s', (_name, r, p, action) => expect(judgeAuthentication(r, [p], 0).action).toBe(action));

  it('several recipient domains: the most severe outcome applies to the message', () => {
    const r = results({ spf: { result: 'fail', domain: 'x' } });
    expect(judgeAuthentication(r, [policy({ spfFailAction: 'none' }), policy({ spfFailAction: 'reject' }), policy({ spfFailAction: 'junk' })], 0).action).toBe('reject');
  });
});
