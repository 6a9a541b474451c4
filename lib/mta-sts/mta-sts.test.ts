// The MTA-STS policy a domain serves and the `_mta-sts` TXT record the DNS page asks for, as the
// policy changes through the service layer: the record's id follows the served text (RFC 8461
// §3.1: senders refetch the policy only when the id changes), and every text served is a
// well-formed §3.2 policy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET } from '@/app/.well-known/mta-sts.txt/route';
import { SYSTEM } from '@/lib/actor';
import { readEnv } from '@/lib/config/env';
import { prisma } from '@/lib/db/prisma';
import { expectedRecords } from '@/lib/dns-records';
import { updatePolicy } from '@/lib/policy';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { mtaStsId } from './policy';

const MX = 'mx.sts.test';
const DOMAIN = 'sts.test';
let db: TestDatabase;
let domainId: string;

/** GET https://mta-sts.<domain>/.well-known/mta-sts.txt through the panel's route handler. */
async function served(): Promise<{ status: number; type: string | null; body: string }> {
  const res = await GET(new Request(`https://mta-sts.${DOMAIN}/.well-known/mta-sts.txt`, { headers: { host: `mta-sts.${DOMAIN}` } }));
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

/** The `_mta-sts` TXT record the DNS page lists, and the policy text it was computed from. */
async function published(): Promise<{ record: string | undefined; policy: string | null }> {
  const expected = await expectedRecords(db.prisma, domainId, { env: readEnv() });
  return { record: expected.records.find((r) => r.id === 'mta-sts')?.value, policy: expected.mtaStsPolicy };
}

/**
 * RFC 8461 §3.2, line by line: `key ":" *WSP value` terminated by CRLF (or LF); version
 * "STSv1", mode testing/enforce/none and max_age (1*10 DIGIT, at most 31557600) exactly once;
 * at least one mx (`["*."] Label *("." Label)`) unless the mode is none; keys are
 * case-sensitive. Returns the fields.
 */
function parsePolicy(body: string): { version: string; mode: string; mx: string[]; maxAge: number } {
  expect(body.endsWith('\r\n')).toBe(true);
  expect(body.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/); // CRLF throughout, no bare CR or LF
  const lines = body.split('\r\n').slice(0, -1);
  const fields = new Map<string, string[]>();
  for (const line of lines) {
    const m = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,31}):[ \t]*([\x21-\x3a\x3c\x3e-\x7e]{1,})$/.exec(line);
    expect(m, `"${line}" is a §3.2 sts-policy-field`).not.toBeNull();
    fields.set(m![1], [...(fields.get(m![1]) ?? []), m![2]]);
  }
  const once = (key: string) => {
    expect(fields.get(key), key).toHaveLength(1);
    return fields.get(key)![0];
  };
  const version = once('version');
  expect(version).toBe('STSv1');
  const mode = once('mode');
  expect(['testing', 'enforce', 'none']).toContain(mode);
  const age = once('max_age');
  expect(age).toMatch(/^\d{1,10}$/);
  const maxAge = Number(age);
  expect(maxAge).toBeLessThanOrEqual(31_557_600);
  const mx = fields.get('mx') ?? [];
  if (mode !== 'none') expect(mx.length).toBeGreaterThan(0);
  const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
  for (const name of mx) expect(name).toMatch(new RegExp(`^(?:\\*\\.)?${label}(?:\\.${label})*$`));
  return { version, mode, mx, maxAge };
}

/** §3.1: `v=STSv1; id=<1*32 ALPHA/DIGIT>`; returns the id. */
function recordId(record: string | undefined): string {
  const m = /^v=STSv1;[ \t]*id=([A-Za-z0-9]{1,32})$/.exec(record ?? '');
  expect(m, `"${record}" is a §3.1 record`).not.toBeNull();
  return m![1];
}

beforeAll(async () => {
  db = await createTestDatabase();
  // The route handler reads the process-wide database and the host name from the environment.
  process.env.DATABASE_URL = db.url;
  process.env.POSTERN_HOSTNAME = MX;
  domainId = (await db.prisma.domain.create({ data: { name: DOMAIN } })).id;
});
afterAll(async () => {
  await prisma().$disconnect();
  await db?.drop();
});

describe('MTA-STS policy and its TXT id as the policy changes', () => {
  it('testing → enforce → a longer max_age: each change serves a new §3.2 policy and the record carries a new id computed from it', async () => {
    const seen: { policy: ReturnType<typeof parsePolicy>; body: string; id: string }[] = [];
    const step = async (expectMode: string, expectMaxAge: number) => {
      const res = await served();
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/plain/); // §3.3
      const policy = parsePolicy(res.body);
      expect(policy).toEqual({ version: 'STSv1', mode: expectMode, mx: [MX], maxAge: expectMaxAge });
      const dns = await published();
      expect(dns.policy).toBe(res.body); // the record is computed from the very text served
      const id = recordId(dns.record);
      expect(id).toBe(mtaStsId(res.body));
      seen.push({ policy, body: res.body, id });
    };

    await step('testing', 604_800); // the defaults
    await updatePolicy(db.prisma, SYSTEM, { domainId, settings: { mtaSts: { mode: 'enforce' } } });
    await step('enforce', 604_800);
    await updatePolicy(db.prisma, SYSTEM, { domainId, settings: { mtaSts: { mode: 'enforce', maxAgeSeconds: 31_557_600 } } });
    await step('enforce', 31_557_600);

    expect(new Set(seen.map((s) => s.body)).size).toBe(3);
    expect(new Set(seen.map((s) => s.id)).size).toBe(3);
    // Line by line, only the changed field differs between consecutive policies.
    const lines = seen.map((s) => s.body.split('\r\n'));
    expect(lines[1].filter((l, i) => l !== lines[0][i])).toEqual(['mode: enforce']);
    expect(lines[2].filter((l, i) => l !== lines[1][i])).toEqual(['max_age: 31557600']);

    // The same policy again is the same id: senders need not refetch what did not change.
    await updatePolicy(db.prisma, SYSTEM, { domainId, settings: {} });
    await step('testing', 604_800);
    expect(seen[3].id).toBe(seen[0].id);
  });

  it('mode none: no policy served and no record asked for', async () => {
    await updatePolicy(db.prisma, SYSTEM, { domainId, settings: { mtaSts: { mode: 'none' } } });
    expect((await served()).status).toBe(404);
    expect(await published()).toEqual({ record: undefined, policy: null });
    await updatePolicy(db.prisma, SYSTEM, { domainId, settings: {} });
  });
});
