import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postern } from '@/mail-daemon/testing/cli';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

function tls(args: string[], input = '', env: Record<string, string> = {}) {
  return postern(['tls', ...args], { input, env });
}

describe('postern tls analyze', () => {
  it('prints { "hops": [...] } for a message on stdin, topmost Received first', async () => {
    const eml = [
      'Received: from mail.example.net (mail.example.net [192.0.2.1]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)) by mx.postern.test (Postern) with ESMTPS id AB12 for <a@postern.test> tls TLS_AES_256_GCM_SHA384; Tue, 24 Nov 2026 00:00:00 +0000',
      'Received: from laptop (unknown [10.0.0.2]) (authenticated bits=0) by mail.example.net (8.15.2/8.15.2) with ESMTPA id u1; Tue, 24 Nov 2026 00:00:00 +0000',
      'Received: by mail.example.net (Postfix, from userid 1000) id 9; Tue, 24 Nov 2026 00:00:00 +0000',
      'Subject: hi',
      '',
      'body',
    ].join('\r\n');
    const r = await tls(['analyze'], eml);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toEqual({
      hops: [
        {
          from: { helo: 'mail.example.net', name: 'mail.example.net', ip: '192.0.2.1' },
          by: 'mx.postern.test',
          protocol: 'ESMTPS',
          id: 'AB12',
          for: 'a@postern.test',
          date: '2026-11-24T00:00:00.000Z',
          tls: { used: true, version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: 256 },
        },
        {
          from: { helo: 'laptop', name: null, ip: '10.0.0.2' },
          by: 'mail.example.net',
          protocol: 'ESMTPA',
          id: 'u1',
          for: null,
          date: '2026-11-24T00:00:00.000Z',
          tls: { used: false, version: null, cipher: null, bits: null },
        },
        {
          from: { helo: null, name: null, ip: null },
          by: 'mail.example.net',
          protocol: null,
          id: '9',
          for: null,
          date: '2026-11-24T00:00:00.000Z',
          tls: { used: null, version: null, cipher: null, bits: null },
        },
      ],
    });
  });

  it('prints an empty list for input without Received headers', async () => {
    const r = await tls(['analyze'], 'Subject: none\n\nbody\n');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ hops: [] });
  });
});

describe('postern tls rescan', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('reports progress and completion; refuses a bad batch size with a one-line error', async () => {
    const ok = await tls(['rescan'], '', { DATABASE_URL: t.url });
    expect(ok.stderr).toContain('rescan: 0/0 messages');
    expect(ok.stdout).toMatch(/^rescanned 0 messages in /);
    expect(ok.code).toBe(0);
    const bad = await tls(['rescan', '--batch-size', '0'], '', { DATABASE_URL: t.url });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('postern: batch-size: must be an integer from 1 to 10000');
  });

  it('outbound: zeros on an empty log, as text and JSON; a bad --days is refused', async () => {
    const text = await tls(['outbound'], '', { DATABASE_URL: t.url });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^attempts: 0  messages sent: 0  recipients delivered: 0  over TLS: —  verified: —\n/);
    const json = JSON.parse((await tls(['outbound', '--json', '--days', '7'], '', { DATABASE_URL: t.url })).stdout);
    expect(json).toMatchObject({ totals: { attempts: 0, sent: 0 }, domains: [], cleartextOnly: [] });
    expect(json.verification.map((v: { kind: string }) => v.kind)).toEqual(['dane', 'mta-sts', 'pkix', 'unverified', 'none']);
    expect((await tls(['outbound', '--days', '0'], '', { DATABASE_URL: t.url })).stderr.trim()).toBe('postern: days: must be 1 to 3650');
  });
});
