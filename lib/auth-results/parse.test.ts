import { describe, expect, it } from 'vitest';
import {
  analyzeAuthentication,
  arcChainOf,
  MAX_AUTH_RESULTS_LENGTH,
  parseArcAuthenticationResults,
  parseArcMessageSignature,
  parseArcSeal,
  parseAuthenticationResults,
  parseTagList,
  type MethodResult,
} from '.';

type Expected = { authservId: string; version?: number | null; comments?: string[]; none?: boolean; results: Array<Partial<MethodResult> & { props?: Record<string, string> }> };

const r = (method: string, result: string, props: Record<string, string> = {}, extra: Partial<MethodResult> = {}) => ({ method, result, props, ...extra });

// [name, field value, expected]: RFC 8601 Appendix B first, then what real writers produce.
const VALID: Array<[string, string, Expected]> = [
  ['B.2 nothing done', 'example.org 1; none', { authservId: 'example.org', version: 1, none: true, results: [] }],
  ['B.3 SPF only', 'example.com; spf=pass smtp.mailfrom=example.net', { authservId: 'example.com', results: [r('spf', 'pass', { 'smtp.mailfrom': 'example.net' })] }],
  [
    'B.4 SMTP AUTH and SPF',
    'example.com;\n          auth=pass (cram-md5) smtp.auth=sender@example.net;\n          spf=pass smtp.mailfrom=example.net',
    {
      authservId: 'example.com',
      results: [r('auth', 'pass', { 'smtp.auth': 'sender@example.net' }, { comments: ['cram-md5'] }), r('spf', 'pass', { 'smtp.mailfrom': 'example.net' })],
    },
  ],
  ['B.4 iprev', 'example.com; iprev=pass\n          policy.iprev=192.0.2.200', { authservId: 'example.com', results: [r('iprev', 'pass', { 'policy.iprev': '192.0.2.200' })] }],
  [
    'B.5 DKIM with a comment',
    'example.com;\n          dkim=pass (good signature) header.d=example.com',
    { authservId: 'example.com', results: [r('dkim', 'pass', { 'header.d': 'example.com' }, { comments: ['good signature'], reason: null })] },
  ],
  [
    'B.5 auth and an SPF fail',
    'example.com;\n          auth=pass (cram-md5) smtp.auth=sender@example.com;\n          spf=fail smtp.mailfrom=example.com',
    { authservId: 'example.com', results: [r('auth', 'pass', { 'smtp.auth': 'sender@example.com' }), r('spf', 'fail', { 'smtp.mailfrom': 'example.com' })] },
  ],
  [
    'B.6 two DKIM results with quoted reasons',
    'example.com;\n      dkim=pass reason="good signature"\n        header.i=@mail-router.example.net;\n      dkim=fail reason="bad signature"\n        header.i=@newyork.example.com',
    {
      authservId: 'example.com',
      results: [
        r('dkim', 'pass', { 'header.i': '@mail-router.example.net' }, { reason: 'good signature' }),
        r('dkim', 'fail', { 'header.i': '@newyork.example.com' }, { reason: 'bad signature' }),
      ],
    },
  ],
  ['B.6 the upstream relay\'s field', 'example.net;\n      dkim=pass (good signature) header.i=@newyork.example.com', { authservId: 'example.net', results: [r('dkim', 'pass', { 'header.i': '@newyork.example.com' })] }],
  [
    'B.7 comments between every token',
    'foo.example.net (foobar) 1 (baz);\n    dkim (Because I like it) / 1 (One yay) = (wait for it) fail\n      policy (A dot can go here) . (like that) expired\n      (this surprised me) = (as I wasn\'t expecting it) 1362471462',
    {
      authservId: 'foo.example.net',
      version: 1,
      comments: ['foobar', 'baz'],
      results: [r('dkim', 'fail', { 'policy.expired': '1362471462' }, { methodVersion: 1, comments: ['Because I like it', 'One yay', 'wait for it', 'A dot can go here', 'like that', 'this surprised me', "as I wasn't expecting it"] })],
    },
  ],
  [
    'mailauth (ours): SPF, DKIM with header.b, DMARC, ARC',
    'mx.example.org;\r\n spf=pass (mx.example.org: domain of a@sender.example designates 192.0.2.1 as permitted sender) smtp.mailfrom=a@sender.example;\r\n dkim=pass header.i=@sender.example header.s=sel header.a=rsa-sha256 header.b=Ab+/Cd9=;\r\n dmarc=pass (p=REJECT sp=REJECT arc=none) header.from=sender.example;\r\n arc=none',
    {
      authservId: 'mx.example.org',
      results: [
        r('spf', 'pass', { 'smtp.mailfrom': 'a@sender.example' }),
        r('dkim', 'pass', { 'header.i': '@sender.example', 'header.s': 'sel', 'header.a': 'rsa-sha256', 'header.b': 'Ab+/Cd9=' }),
        r('dmarc', 'pass', { 'header.from': 'sender.example' }, { comments: ['p=REJECT sp=REJECT arc=none'] }),
        r('arc', 'none'),
      ],
    },
  ],
  [
    'Gmail: quoted header.b, plus-address mailfrom with "="',
    'mx.google.com;\n       dkim=pass header.i=@github.com header.s=pf2014 header.b="1crXUDuJ";\n       spf=pass (google.com: domain of bounces+848413-e276=x.example@sgmail.github.com designates 192.0.2.9 as permitted sender) smtp.mailfrom="bounces+848413-e276=x.example@sgmail.github.com";\n       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=github.com',
    {
      authservId: 'mx.google.com',
      results: [
        r('dkim', 'pass', { 'header.b': '1crXUDuJ' }),
        r('spf', 'pass', { 'smtp.mailfrom': 'bounces+848413-e276=x.example@sgmail.github.com' }),
        r('dmarc', 'pass', { 'header.from': 'github.com' }, { comments: ['p=NONE sp=NONE dis=NONE'] }),
      ],
    },
  ],
  ['a quoted local-part before @domain', 'mx.example; auth=pass smtp.auth="john doe"@example.com', { authservId: 'mx.example', results: [r('auth', 'pass', { 'smtp.auth': '"john doe"@example.com' })] }],
  ['a comment closing the last result', 'mx.example.org; spf=pass; arc=pass (i=1 spf=pass)', { authservId: 'mx.example.org', results: [r('spf', 'pass', {}, { comments: [] }), r('arc', 'pass', {}, { comments: ['i=1 spf=pass'] })] }],
  ['a trailing ";"', 'mx.example.org; spf=none smtp.mailfrom=x.example;', { authservId: 'mx.example.org', results: [r('spf', 'none')] }],
  ['case folded: method, result and ptype', 'MX.Example.ORG; SPF=Pass SMTP.MailFrom=X.Example', { authservId: 'MX.Example.ORG', results: [r('spf', 'pass', { 'smtp.mailfrom': 'X.Example' })] }],
  ['a quoted authserv-id', '"mx example"; dkim=temperror reason="DNS timeout"', { authservId: 'mx example', results: [r('dkim', 'temperror', {}, { reason: 'DNS timeout' })] }],
  ['every result keyword', 'h; a=softfail; b=neutral; c=permerror; d=policy; e=hardfail', { authservId: 'h', results: ['softfail', 'neutral', 'permerror', 'policy', 'hardfail'].map((x, i) => r('abcde'[i], x)) }],
];

// [name, field value, what the error mentions]
const MALFORMED: Array<[string, string, RegExp]> = [
  ['empty', '', /authserv-id/],
  ['blanks only', '   \r\n  ', /authserv-id/],
  ['authserv-id and nothing else', 'mx.example.org', /";" and results/],
  ['";" and nothing after', 'mx.example.org;', /a result or "none"/],
  ['method without "="', 'mx.example.org; spf pass', /"=" after the method "spf"/],
  ['method without a result', 'mx.example.org; spf=', /a result for "spf"/],
  ['property without a dot', 'mx.example.org; spf=pass mailfrom=x.example', /"\." after "mailfrom"/],
  ['property without a value', 'mx.example.org; spf=pass smtp.mailfrom=', /a value for "smtp.mailfrom"/],
  ['reason without a value', 'mx.example.org; dkim=fail reason=', /reason text/],
  ['unclosed comment', 'mx.example.org; spf=pass (missing paren smtp.mailfrom=x', /unclosed comment/],
  ['unclosed quote', 'mx.example.org; dkim=fail reason="bad', /unclosed quoted string/],
  ['method version without digits', 'mx.example.org; dkim/=pass', /method version/],
  ['garbage', ';;;===', /authserv-id/],
  ['binary', '\u0000\u0001\u0002', /authserv-id/],
  ['a method name starting with "-"', 'mx; -x=pass', /method name/],
  ['too long', `mx.example.org; ${'spf=pass smtp.mailfrom=x.example; '.repeat(3000)}`, /longer than/],
  ['too many results', `mx.example.org; ${Array.from({ length: 101 }, () => 'spf=pass').join('; ')}`, /more than 100 results/],
];

describe('Authentication-Results (RFC 8601)', () => {
  for (const [name, value, want] of VALID) {
    it(name, () => {
      const got = parseAuthenticationResults(value);
      if (!got.ok) throw new Error(`unparsable: ${got.error}`);
      expect(got.authservId).toBe(want.authservId);
      expect(got.version).toBe(want.version ?? null);
      expect(got.none).toBe(want.none ?? false);
      expect(got.comments).toEqual(want.comments ?? []);
      expect(got.results.map((x) => x.method)).toEqual(want.results.map((x) => x.method));
      want.results.forEach(({ props, ...fields }, i) => {
        expect(got.results[i]).toMatchObject(fields);
        const byName = Object.fromEntries(got.results[i].properties.map((p) => [`${p.ptype}.${p.property}`, p.value]));
        expect(byName).toMatchObject(props ?? {});
      });
      expect(got.raw).not.toMatch(/\n/);
    });
  }

  for (const [name, value, error] of MALFORMED) {
    it(`unparsable: ${name}`, () => {
      const got = parseAuthenticationResults(value);
      expect(got.ok).toBe(false);
      if (got.ok) return;
      expect(got.error).toMatch(error);
      expect(got.raw.length).toBeLessThanOrEqual(MAX_AUTH_RESULTS_LENGTH);
    });
  }

  it('never throws on random bytes (seeded)', () => {
    let seed = 8601;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = 'ab.=;/ ()"\\@\r\n\t0123456789-_x';
    for (let n = 0; n < 2000; n++) {
      const s = Array.from({ length: Math.floor(rand() * 80) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      const got = parseAuthenticationResults(s);
      expect(typeof got.ok).toBe('boolean');
      expect(parseArcAuthenticationResults(s).ok === false || parseArcAuthenticationResults(s).ok === true).toBe(true);
      expect(typeof parseArcSeal(s).ok).toBe('boolean');
    }
  });
});

const SEAL_1 = 'i=1; a=rsa-sha256; t=1728000000; cv=none;\n  d=relay.example; s=arc-2024;\n  b=AbC dEf\n  ghI=';
const AMS_1 = 'i=1; a=rsa-sha256; c=relaxed/relaxed; d=relay.example;\n  s=arc-2024; t=1728000000;\n  h=From : To:Subject:Date;\n  bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=XyZ';
const AAR_1 = 'i=1; relay.example; spf=pass smtp.mailfrom=sender.example; dkim=pass header.d=sender.example; dmarc=pass header.from=sender.example';

describe('ARC fields (RFC 8617)', () => {
  it('reads an ARC-Seal', () => {
    expect(parseArcSeal(SEAL_1)).toMatchObject({
      ok: true,
      instance: 1,
      algorithm: 'rsa-sha256',
      cv: 'none',
      domain: 'relay.example',
      selector: 'arc-2024',
      timestamp: '2024-10-04T00:00:00.000Z',
      tags: { b: 'AbCdEfghI=' },
    });
  });

  it('reads an ARC-Message-Signature with its signed fields', () => {
    expect(parseArcMessageSignature(AMS_1)).toMatchObject({ ok: true, instance: 1, domain: 'relay.example', headers: ['from', 'to', 'subject', 'date'], canonicalization: 'relaxed/relaxed' });
  });

  it('reads an ARC-Authentication-Results with its instance', () => {
    const got = parseArcAuthenticationResults(AAR_1);
    expect(got).toMatchObject({ ok: true, instance: 1, authservId: 'relay.example' });
    if (got.ok) expect(got.results.map((x) => `${x.method}=${x.result}`)).toEqual(['spf=pass', 'dkim=pass', 'dmarc=pass']);
  });

  it.each([
    ['seal without cv=', parseArcSeal, 'i=1; a=rsa-sha256; d=x.example; s=s; b=x', /missing tag cv=/, 1],
    ['seal with cv=maybe', parseArcSeal, 'i=2; a=rsa-sha256; cv=maybe; d=x.example; s=s; b=x', /cv=maybe/, 2],
    ['seal with h=', parseArcSeal, 'i=1; a=rsa-sha256; cv=none; d=x.example; s=s; h=from; b=x', /h= is not allowed/, 1],
    ['seal with i=51', parseArcSeal, 'i=51; a=rsa-sha256; cv=pass; d=x.example; s=s; b=x', /i=51/, 51],
    ['seal without i=', parseArcSeal, 'a=rsa-sha256; cv=none; d=x.example; s=s; b=x', /missing tag i=/, null],
    ['seal with a tag twice', parseArcSeal, 'i=1; i=2; a=rsa-sha256; cv=none; d=x.example; s=s; b=x', /i= appears twice/, null],
    ['signature without bh=', parseArcMessageSignature, 'i=1; a=rsa-sha256; d=x.example; s=s; h=from; b=x', /missing tag bh=/, 1],
    ['signature that is not a tag list', parseArcMessageSignature, 'hello world', /not tag=value/, null],
    ['A-R without i=', parseArcAuthenticationResults, 'relay.example; spf=pass', /"i="/, null],
    ['A-R with i= but no results', parseArcAuthenticationResults, 'i=3; relay.example', /";" and results/, 3],
  ] as const)('unparsable: %s', (_name, parse, value, error, instance) => {
    const got = (parse as (v: string) => { ok: boolean; error?: string; instance: number | null })(value);
    expect(got.ok).toBe(false);
    expect(got.error).toMatch(error);
    expect(got.instance).toBe(instance);
  });

  it('tag lists: blanks around "=" and a trailing ";" are allowed', () => {
    expect(parseTagList(' a = 1 ;b=2;')).toEqual({ a: '1', b: '2' });
  });

  const set = (i: number, cv: string) => ({
    aar: AAR_1.replace('i=1', `i=${i}`),
    ams: AMS_1.replace('i=1', `i=${i}`),
    as: SEAL_1.replace('i=1', `i=${i}`).replace('cv=none', `cv=${cv}`),
  });
  const chain = (...sets: ReturnType<typeof set>[]) =>
    arcChainOf({ authenticationResults: sets.map((s) => s.aar), messageSignatures: sets.map((s) => s.ams), seals: sets.map((s) => s.as) });

  it.each([
    ['no ARC fields', [], 'none', null],
    ['one intact set', [set(1, 'none')], 'pass', null],
    ['two sets, the second sealing a passing chain', [set(1, 'none'), set(2, 'pass')], 'pass', null],
    ['a sealer found the chain broken', [set(1, 'none'), set(2, 'fail')], 'fail', null],
    ['i=1 sealed with cv=pass', [set(1, 'pass')], 'invalid', /i=1 is sealed with cv=pass/],
    ['a gap in the instances', [set(1, 'none'), set(3, 'pass')], 'invalid', /instance 2 is missing/],
    ['a later set with cv=none', [set(1, 'none'), set(2, 'none')], 'invalid', /i=2 is sealed with cv=none/],
  ] as const)('chain: %s', (_name, sets, status, problem) => {
    const got = chain(...sets);
    expect(got.status).toBe(status);
    if (problem) expect(got.problem).toMatch(problem);
    else expect(got.problem).toBeNull();
    expect(got.sets.map((s) => s.instance)).toEqual(sets.map((_s, i) => got.sets[i].instance));
  });

  it('chain: a set missing its seal, and a duplicate field', () => {
    const a = set(1, 'none');
    const got = arcChainOf({ authenticationResults: [a.aar, a.aar], messageSignatures: [a.ams], seals: [] });
    expect(got.status).toBe('invalid');
    expect(got.problem).toMatch(/two ARC-Authentication-Results fields for i=1/);
    expect(got.problem).toMatch(/i=1 has no ARC-Seal/);
  });
});

describe('analyzeAuthentication (pasted headers)', () => {
  const message = [
    'Authentication-Results: mx.example.org;',
    '\tspf=pass smtp.mailfrom=relay.example;',
    '\tdkim=pass header.d=relay.example;',
    '\tarc=pass (i=1)',
    `ARC-Seal: ${SEAL_1}`,
    `ARC-Message-Signature: ${AMS_1}`,
    `ARC-Authentication-Results: ${AAR_1}`,
    'Received: from relay.example (relay.example [192.0.2.1]) by mx.example.org with ESMTPS id 1; Mon, 6 Jan 2025 08:00:01 +0000',
    'Authentication-Results: relay.example; broken (',
    'Subject: hi',
    '',
    'Authentication-Results: body.example; spf=fail',
  ]
    .join('\r\n')
    .replace(/\n  /g, '\n\t');

  it('gives each Authentication-Results field in header order, and the ARC sets by instance', () => {
    const got = analyzeAuthentication(message);
    expect(got.results).toHaveLength(2);
    expect(got.results[0]).toMatchObject({ ok: true, authservId: 'mx.example.org' });
    expect(got.results[1]).toMatchObject({ ok: false });
    expect(got.arc.status).toBe('pass');
    expect(got.arc.sets).toHaveLength(1);
    expect(got.arc.sets[0].seal).toMatchObject({ ok: true, cv: 'none', domain: 'relay.example' });
    expect(JSON.parse(JSON.stringify(got))).toEqual(got);
  });

  it('reads at most 100 Authentication-Results fields, the topmost', () => {
    const fields = Array.from({ length: 101 }, (_v, i) => `Authentication-Results: mx${i}.example.org; spf=pass`).join('\r\n');
    const got = analyzeAuthentication(`${fields}\r\nSubject: x\r\n\r\nbody`);
    expect(got.results).toHaveLength(100);
    expect(got.results[0]).toMatchObject({ ok: true, authservId: 'mx0.example.org' });
    expect(got.results[99]).toMatchObject({ ok: true, authservId: 'mx99.example.org' });
  });

  it('is empty for a message without such fields', () => {
    expect(analyzeAuthentication('Subject: x\r\n\r\nbody')).toEqual({ results: [], arc: { sets: [], status: 'none', problem: null } });
    expect(analyzeAuthentication('')).toEqual({ results: [], arc: { sets: [], status: 'none', problem: null } });
  });
});
