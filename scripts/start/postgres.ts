import path from 'node:path';
import { ConfigError, type Env } from '@/lib/config/env';
import { assertReachable } from '@/lib/db/resolve';
import { clusterPort, createDatabase, ensureCluster, findPostmaster, logFile, startPostmaster, urlFor, type Postmaster } from '@/lib/postgres/embedded';
import { supervise, type Supervised } from './supervise';

export interface SupervisedCluster {
  url: string;
  port: number;
  log: string;
  /** Stops the postmaster npm start runs: the one it started, or the one it found or took over. */
  stop(): Promise<void>;
  /** SIGKILL to it, for a stop that took too long. */
  kill(): void;
}

/**
 * The embedded cluster for npm start, which holds the data directory's lock: every postmaster
 * on it is ours to run and stop, whoever started it (a start that was killed, `pg_ctl restart`).
 * It keeps one port, and is started again when it ends.
 */
export async function superviseEmbedded(env: Env, password: string, say: (line: string) => void): Promise<SupervisedCluster> {
  const dir = path.join(env.dataDir, 'postgres');
  const port = await (async () => {
    try {
      await ensureCluster(dir, password);
      return await clusterPort(dir, env.POSTERN_PG_PORT);
    } catch (err) {
      throw new ConfigError(`cannot start the embedded Postgres in ${dir}: ${(err as Error).message}`);
    }
  })();

  const run = async (): Promise<Postmaster> => {
    const found = findPostmaster(dir);
    if (found && found.port === port) {
      say(`postgres: taking over the postmaster already running on ${dir} (pid ${found.pid}, port ${port})`);
      return found;
    }
    if (found) {
      say(`postgres: the postmaster running on ${dir} listens on ${found.port}, not on its kept port ${port}; restarting it there`);
      await found.stop();
    }
    return startPostmaster(dir, port);
  };

  let first: Postmaster;
  try {
    first = await run();
    await first.ready;
  } catch (err) {
    throw new ConfigError(`cannot start the embedded Postgres in ${dir}: ${(err as Error).message}`);
  }
  say(`postgres started (pid ${first.pid}, port ${port})`);
  const supervised: Supervised = supervise('postgres', first, run, say);
  const url = urlFor(port, password);
  try {
    await createDatabase(urlFor(port, password, 'postgres'));
    await assertReachable(url);
  } catch (err) {
    await supervised.stop();
    throw err;
  }
  return { url, port, log: logFile(dir), stop: () => supervised.stop(), kill: () => supervised.kill() };
}
