import os from 'node:os';
import pg from 'pg';
import type { Actor } from '@/lib/actor';
import { hashPassword } from '@/lib/auth/password';
import type { Db } from '@/lib/db/prisma';
import { addDomain } from '@/lib/domains';

// Bulk mailboxes for benchmarks and demos: domains through the service layer (audited
// like any other), mailboxes by batched multi-row INSERT … SELECT FROM unnest(…) —
// one round trip per batch, ~100k rows in seconds. Seeded rows share one argon2id
// hash (hashing 100k passwords would take an hour and prove nothing).

const FIRST = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Mallory', 'Niaj', 'Olivia', 'Peggy', 'Rupert', 'Sybil', 'Trent', 'Uma', 'Victor', 'Walter', 'Xena', 'Yusuf', 'Zoe', 'Amir', 'Björn', 'Chloé', 'Dmitri', 'Elif', 'Fatima', 'Gustavo', 'Hana', 'Ingrid', 'Jamal', 'Kenji', 'Lucía', 'Mei', 'Nils', 'Oksana', 'Priya', 'Quentin'];
const LAST = ['Smith', 'Jones', 'Müller', 'Garcia', 'Rossi', 'Dubois', 'Nakamura', 'Kowalski', 'Silva', 'Novak', 'Jensen', 'Haddad', 'Okafor', 'Larsen', 'Popescu', 'Nguyen', 'Kim', 'Singh', 'Cohen', 'Ivanova', 'Brown', 'Wilson', 'Taylor', 'Anders', 'Moreau', 'Fischer', 'Horvat', 'Yilmaz', 'Santos', 'Kovacs'];
const ASCII: Record<string, string> = { ü: 'u', ö: 'o', é: 'e', í: 'i', ø: 'o' };

export interface SeedOptions {
  count: number;
  domains: number;
  /** Domains are <prefix>1.example … <prefix>N.example. */
  prefix: string;
  password: string;
  batch?: number;
  onProgress?: (done: number, total: number) => void;
}

export function localPartFor(i: number): { localPart: string; displayName: string } {
  const first = FIRST[i % FIRST.length];
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length];
  const ascii = (s: string) => s.toLowerCase().replace(/[^a-z]/g, (c) => ASCII[c] ?? '');
  return { localPart: `${ascii(first)}.${ascii(last)}${i}`, displayName: `${first} ${last}` };
}

/** Creates (or reuses) the domains, then inserts `count` mailboxes spread over them. Returns rows inserted. */
export async function seedMailboxes(db: Db, databaseUrl: string, options: SeedOptions): Promise<number> {
  const actor: Actor = { kind: 'cli', user: `${os.userInfo().username}:seed` };
  const domains: { id: string; name: string }[] = [];
  for (let n = 1; n <= options.domains; n++) {
    const name = `${options.prefix}${n}.example`;
    const existing = await db.domain.findUnique({ where: { name }, select: { id: true, name: true } });
    domains.push(existing ?? (await addDomain(db, actor, { name })));
  }
  const passwordHash = await hashPassword(options.password);
  const batch = options.batch ?? 5000;
  // One connection: the batches run one after another.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  let inserted = 0;
  try {
    for (let start = 0; start < options.count; start += batch) {
      const cols = { domainId: [] as string[], localPart: [] as string[], address: [] as string[], displayName: [] as string[], quota: [] as string[], used: [] as string[], created: [] as string[] };
      for (let i = start; i < Math.min(start + batch, options.count); i++) {
        const domain = domains[i % domains.length];
        const { localPart, displayName } = localPartFor(i);
        const quota = BigInt([1, 2, 5, 10][i % 4]) * 1024n ** 3n;
        const used = (quota * BigInt((i * 7919) % 1000)) / 1000n;
        cols.domainId.push(domain.id);
        cols.localPart.push(localPart);
        cols.address.push(`${localPart}@${domain.name}`);
        cols.displayName.push(displayName);
        cols.quota.push(quota.toString());
        cols.used.push(used.toString());
        cols.created.push(new Date(Date.now() - ((i * 104_729) % 31_536_000) * 1000).toISOString());
      }
      const { rowCount } = await pool.query(
        `INSERT INTO mailboxes (id, domain_id, local_part, address, display_name, password_hash, quota_bytes, used_bytes, enabled, created_at, updated_at)
         SELECT gen_random_uuid(), d, l, a, n, $8, q, u, true, c, c
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::timestamptz[]) AS t(d, l, a, n, q, u, c)
         ON CONFLICT (address) DO NOTHING`,
        [cols.domainId, cols.localPart, cols.address, cols.displayName, cols.quota, cols.used, cols.created, passwordHash],
      );
      inserted += rowCount ?? 0;
      options.onProgress?.(Math.min(start + batch, options.count), options.count);
    }
    await pool.query('ANALYZE mailboxes');
  } finally {
    await pool.end();
  }
  return inserted;
}
