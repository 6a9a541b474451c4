import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { startNext, type RunningPanel } from './panel';

export interface Panel extends RunningPanel {
  /** The panel's own throwaway database (migrated), for fixtures and assertions. */
  db: TestDatabase;
}

/**
 * Inside vitest: a fresh migrated database in the run's Postgres and the production
 * panel on a free port against it. Call once per test file (beforeAll); stop() in
 * afterAll drops the database. The build is shared by all files and runs. `env`: extra variables
 * for the panel server (see startNext).
 */
export async function startPanel(env: Record<string, string> = {}): Promise<Panel> {
  const db = await createTestDatabase();
  let next: RunningPanel;
  try {
    next = await startNext(db.url, undefined, env);
  } catch (err) {
    await db.drop();
    throw err;
  }
  return {
    ...next,
    db,
    async stop() {
      await next.stop();
      await db.drop();
    },
  };
}
