// SMTP load for the chaos suite: a few real SMTP clients (nodemailer, one connection per
// message, as most MTAs deliver) sending uniquely tagged messages to the MX port and, like an
// MTA's queue, sending a message again after a temporary failure until it gets its 250.
// Afterwards Postgres is asked what was stored, counted by tag.
import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import nodemailer from 'nodemailer';
import type pg from 'pg';

/** A reply other than 250 to one attempt (or a connection that failed without a reply). */
export interface Failure {
  tag: string;
  at: number;
  /** The SMTP reply code, null when the connection failed without one. */
  code: number | null;
  message: string;
}

// An MTA's retry interval, shortened: how soon a deferred message is tried again.
const RETRY_MS = 100;

export class SmtpLoad extends EventEmitter {
  /** Tag → when its 250 arrived (the first one, if a resend was acked too). */
  readonly acked = new Map<string, number>();
  readonly failures: Failure[] = [];
  /** Every tag that was sent at least once. */
  readonly sent = new Set<string>();
  private stopping = false;
  private workers: Promise<void>[] = [];
  private next = 0;

  constructor(
    private readonly port: number,
    private readonly recipient: string,
    private readonly prefix: string,
  ) {
    super();
  }

  start(workers: number): void {
    for (let i = 0; i < workers; i++) this.workers.push(this.worker());
  }

  private async worker(): Promise<void> {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: this.port,
      secure: false,
      ignoreTLS: true,
      name: 'chaos.client.test',
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
    // The message in hand: sent again after a failure, a new one after its 250.
    let pending: string | null = null;
    while (!this.stopping) {
      const tag: string = (pending ??= `${this.prefix}-${String(this.next++).padStart(6, '0')}`);
      this.sent.add(tag);
      try {
        await transport.sendMail({
          from: 'load@sender.test',
          to: this.recipient,
          subject: `chaos ${tag}`,
          headers: { 'X-Chaos-Tag': tag },
          text: `Message ${tag} of the chaos load.\n`,
        });
        if (!this.acked.has(tag)) this.acked.set(tag, Date.now());
        pending = null;
        this.emit('progress');
      } catch (err) {
        const e = err as { responseCode?: number; message?: string };
        this.failures.push({ tag, at: Date.now(), code: typeof e.responseCode === 'number' ? e.responseCode : null, message: String(e.message ?? err).slice(0, 200) });
        this.emit('progress');
        await delay(RETRY_MS);
      }
    }
    transport.close();
  }

  /** Resolves once `pred` holds, checked after every reply; rejects after `ms`. */
  until(what: string, pred: () => boolean, ms: number): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('progress', check);
        // What the clients last heard says why, when the daemon never came back.
        const last = this.failures.slice(-3).map((f) => `${f.code ?? 'no reply'} ${f.message}`);
        reject(new Error(`chaos load: timed out waiting for ${what} (acked ${this.acked.size}, failures ${this.failures.length}; last: ${last.join(' | ') || 'none'})`));
      }, ms);
      const check = () => {
        if (!pred()) return;
        clearTimeout(timer);
        this.off('progress', check);
        resolve();
      };
      this.on('progress', check);
    });
  }

  ackedSince(t: number): number {
    let n = 0;
    for (const at of this.acked.values()) if (at >= t) n++;
    return n;
  }

  lastFailureAt(): number {
    return this.failures.reduce((t, f) => Math.max(t, f.at), 0);
  }

  failuresSince(t: number): number {
    return this.failures.filter((f) => f.at >= t).length;
  }

  /** Stops after each client's message in flight has its answer. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers);
  }
}

/** Tag → how many stored copies of it there are (messages in any folder). */
export async function storedTags(pool: pg.Pool, prefix: string): Promise<Map<string, number>> {
  const r = await pool.query<{ tag: string; n: number }>(
    `SELECT substring(convert_from(b.raw, 'UTF8') from 'X-Chaos-Tag: ([A-Za-z0-9-]+)') AS tag, count(*)::int AS n
       FROM mail_messages m JOIN mail_blobs b ON b.id = m.blob_id
      GROUP BY 1`,
  );
  const out = new Map<string, number>();
  for (const row of r.rows) if (row.tag?.startsWith(`${prefix}-`)) out.set(row.tag, row.n);
  return out;
}

export interface Figures {
  fault: string;
  acked: number;
  stored: number;
  lost: number;
  duplicated: number;
  /** Replies other than 250 (and connections that failed without a reply). */
  deferred: number;
  /** Of those, the ones that were not 4xx. */
  notTemporary: number;
  /** How many of each reply code (or "none": the connection failed without a reply). */
  codes: Record<string, number>;
  /** From the database being back to the first 250 after the last failure, in ms. */
  recoveryMs: number;
  faultMs: number;
}

/** The figures of one fault: `faultAt` when it was injected, `backAt` when the database was back. */
export async function figures(fault: string, load: SmtpLoad, pool: pg.Pool, prefix: string, faultAt: number, backAt: number): Promise<Figures> {
  const stored = await storedTags(pool, prefix);
  let lost = 0;
  for (const tag of load.acked.keys()) if (!stored.has(tag)) lost++;
  let duplicated = 0;
  for (const n of stored.values()) if (n > 1) duplicated += n - 1;
  // Recovered: the first 250 after both the database's return and the last failure (if a
  // failure came after every 250, the bound is at least that late).
  const lastFailure = load.lastFailureAt();
  const after = [...load.acked.values()].filter((at) => at >= Math.max(lastFailure, backAt));
  const recoveredAt = after.length ? Math.min(...after) : lastFailure;
  return {
    fault,
    acked: load.acked.size,
    stored: stored.size,
    lost,
    duplicated,
    deferred: load.failures.length,
    notTemporary: load.failures.filter((f) => f.code === null || f.code < 400 || f.code >= 500).length,
    codes: load.failures.reduce<Record<string, number>>((n, f) => ({ ...n, [f.code ?? 'none']: (n[f.code ?? 'none'] ?? 0) + 1 }), {}),
    recoveryMs: Math.max(0, recoveredAt - backAt),
    faultMs: backAt - faultAt,
  };
}

export function line(f: Figures): string {
  return (
    `chaos ${f.fault.padEnd(24)} acked ${String(f.acked).padStart(5)}  stored ${String(f.stored).padStart(5)}  lost ${f.lost}  ` +
    `duplicated ${f.duplicated}  deferred ${String(f.deferred).padStart(4)} (${Object.entries(f.codes).map(([c, n]) => `${c}: ${n}`).join(', ') || 'none'}; not 4xx: ${f.notTemporary})  ` +
    `fault ${(f.faultMs / 1000).toFixed(2)} s  recovery ${(f.recoveryMs / 1000).toFixed(2)} s`
  );
}
