// Round trips counted where node-postgres sends them: every statement `fn` sends through a fresh
// pool of the test database, on any of its connections (BEGIN and COMMIT included), as its first
// three words.
import type pg from 'pg';
import type { TestDatabase } from './database';

export async function countStatements<T>(db: TestDatabase, fn: (pool: pg.Pool) => Promise<T>): Promise<{ result: T; sent: string[] }> {
  const sent: string[] = [];
  const counted = db.pool(2);
  counted.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const q = args[0] as string | { text: string };
      sent.push((typeof q === 'string' ? q : q.text).trim().split(/\s+/).slice(0, 3).join(' '));
      return query(...args);
    }) as typeof client.query;
  });
  try {
    return { result: await fn(counted), sent };
  } finally {
    await counted.end();
  }
}
