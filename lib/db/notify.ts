import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Channel } from './channels';
import { isConnectionFault } from './faults';

interface Queryable {
  query(sql: string, params: unknown[]): Promise<unknown>;
}

/** Announces a change to every listening process (delivered when the caller's transaction commits). */
export async function notify(db: Queryable, channel: Channel, payload: object): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify(payload)]);
}

/**
 * One dedicated connection that LISTENs on the channels its handlers ask for and
 * reconnects (re-LISTENing) after the database drops it. Handlers get the parsed payload.
 */
export class NotifyBus extends EventEmitter {
  private client?: pg.Client;
  private readonly channels = new Set<Channel>();
  private closed = false;
  private retry?: NodeJS.Timeout;

  constructor(private readonly url: string, private readonly onError: (err: Error) => void = () => {}) {
    super();
    this.setMaxListeners(0);
  }

  async listen(channel: Channel, handler: (payload: Record<string, unknown>) => void): Promise<void> {
    this.on(channel, handler);
    if (!this.channels.has(channel)) {
      this.channels.add(channel);
      const client = this.client;
      // A connection lost meanwhile is not this caller's failure: the reconnect LISTENs on every
      // channel in the set, this one included, and says so with { reconnected: true }.
      if (client) {
        await client.query(`LISTEN ${channel}`).catch((err: unknown) => {
          if (this.client === client && !isConnectionFault(err)) throw err;
        });
      }
    }
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (msg) => {
      let payload: Record<string, unknown> = {};
      try {
        payload = msg.payload ? JSON.parse(msg.payload) : {};
      } catch {
        // A malformed payload still means "something changed".
      }
      this.emit(msg.channel, payload);
    });
    client.on('error', (err) => {
      // A connection already replaced may still report its end; only the current one reconnects.
      if (this.client && this.client !== client) return;
      this.onError(err);
      this.reconnect();
    });
    await client.connect();
    for (const channel of this.channels) await client.query(`LISTEN ${channel}`);
    this.client = client;
  }

  private reconnect(): void {
    if (this.closed || this.retry) return;
    this.client = undefined;
    this.retry = setTimeout(async () => {
      this.retry = undefined;
      try {
        await this.start();
        // Anything may have changed while we were away.
        for (const channel of this.channels) this.emit(channel, { reconnected: true });
      } catch (err) {
        this.onError(err as Error);
        this.reconnect();
      }
    }, 1000);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => {});
  }
}
