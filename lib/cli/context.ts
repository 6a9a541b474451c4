import os from 'node:os';
import type { Actor } from '@/lib/actor';
import { readEnv } from '@/lib/config/env';
import { migrate } from '@/lib/db/migrate';
import { createPrisma, type Db } from '@/lib/db/prisma';
import { resolveDatabase } from '@/lib/db/resolve';
import type { EmbeddedCluster } from '@/lib/postgres/embedded';

/** What every command gets: the database (opened on first use), the actor and output helpers. */
export interface CliContext {
  db(): Promise<Db>;
  actor: Actor;
  out(line: string): void;
  json(value: unknown): void;
  /** All of stdin as text (for --password-stdin, piped passwords and files given as "-"). */
  readStdin(): Promise<string>;
  stdinIsTty: boolean;
  close(): Promise<void>;
}

function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

export function createContext(): CliContext {
  let opened: Promise<{ cluster: EmbeddedCluster; prisma: Db }> | undefined;
  const open = async () => {
    // DATABASE_URL, or the embedded cluster in the data dir: reused when npm start
    // runs it, started for this command's duration otherwise.
    const cluster = await resolveDatabase(readEnv());
    try {
      await migrate(cluster.url);
      return { cluster, prisma: createPrisma(cluster.url, 2) };
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  };
  return {
    actor: { kind: 'cli', user: osUser() },
    async db() {
      opened ??= open();
      return (await opened).prisma;
    },
    out: (line) => process.stdout.write(`${line}\n`),
    json: (value) =>
      process.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v), 2)}\n`),
    stdinIsTty: !!process.stdin.isTTY,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    async close() {
      if (!opened) return;
      const o = await opened.catch(() => undefined);
      await o?.prisma.$disconnect();
      await o?.cluster.stop();
    },
  };
}
