// What the statements-per-command benches share (bench/smtp, bench/imap, bench/pop3): the
// counters of pg_stat_statements for one bench database, and the median per command of a
// session run several times. Each statement the daemon sends is one round trip; only top-level
// statements count (not the foreign-key checks the server runs inside one).
import pg from 'pg';

export interface Counted {
  calls: number;
  query: string;
}

export interface StatementCounter {
  reset(): Promise<void>;
  /** The bench database's statements since the last reset, most called first. */
  read(): Promise<Counted[]>;
  end(): Promise<void>;
}

/** Counters of the bench database `url`, read through DATABASE_URL's server (which must load pg_stat_statements). */
export async function statementCounter(url: string): Promise<StatementCounter> {
  if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL to a server that loads pg_stat_statements');
  const dbName = new URL(url).pathname.slice(1);
  const stats = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await stats.connect();
  return {
    reset: async () => void (await stats.query('SELECT pg_stat_statements_reset()')),
    async read() {
      const r = await stats.query<{ calls: string; query: string }>(
        `SELECT s.calls, s.query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
          WHERE d.datname = $1 AND s.toplevel ORDER BY s.calls DESC, s.query`,
        [dbName],
      );
      return r.rows.map((row) => ({ calls: Number(row.calls), query: row.query.replace(/\s+/g, ' ').slice(0, 160) }));
    },
    end: () => stats.end(),
  };
}

/** Statements counted per command over several runs of one session, printed as each command's median. */
export class CommandMedians {
  private readonly seen = new Map<string, { total: number; rows: Counted[] }[]>();

  constructor(private readonly names: string[]) {
    for (const name of names) this.seen.set(name, []);
  }

  add(name: string, rows: Counted[]): void {
    this.seen.get(name)!.push({ total: rows.reduce((n, r) => n + r.calls, 0), rows });
  }

  /** Prints each command's median (with that run's statements when `verbose`); returns the session's total. */
  print(verbose: boolean): number {
    let all = 0;
    for (const name of this.names) {
      const runs = [...this.seen.get(name)!].sort((a, b) => a.total - b.total);
      const median = runs[Math.floor(runs.length / 2)];
      all += median.total;
      console.log(`${String(median.total).padStart(4)}  ${name}`);
      if (verbose) for (const r of median.rows) console.log(`          ${String(r.calls).padStart(3)}  ${r.query}`);
    }
    return all;
  }
}
