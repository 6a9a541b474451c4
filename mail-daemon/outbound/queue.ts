import type { AttemptFacts, RecipientOutcome } from './types';

// The queue as the runner sees it: claimed work, and the one call that records what
// happened. pg-queue.ts implements it on Postgres; the runner never writes SQL.

/** One recipient row of the outbound queue, as claimed. */
export interface QueuedRecipient {
  id: string;
  rcpt: string;
  attempts: number;
  dsnNotify: string[] | null;
  dsnOrcpt: string | null;
  delayNotified: boolean;
  /** An admin asked to return it to the sender instead of trying again. */
  bounceRequested: boolean;
}

/** Recipients of one message for one destination domain: one SMTP transaction. */
export interface ClaimedGroup {
  queueId: string;
  blobId: string;
  mailFrom: string;
  domain: string;
  createdAt: Date;
  dsnRet: 'FULL' | 'HDRS' | null;
  dsnEnvid: string | null;
  recipients: QueuedRecipient[];
  /** The stored message (loaded with the claim: one query for a whole batch). */
  raw: Buffer;
}

/** What becomes of one recipient after an attempt. */
export type RecipientUpdate =
  | { id: string; state: 'sent'; outcome: RecipientOutcome }
  | {
      id: string;
      state: 'bounced';
      outcome: RecipientOutcome;
      /**
       * The remote server's last reply exactly as given, when outcome.reply adds our own words
       * to it (the queue lifetime ran out): the notice quotes the server, not us (RFC 3464 §2.3.6).
       */
      remoteReply?: string;
    }
  | { id: string; state: 'deferred'; outcome: RecipientOutcome; nextAttemptAt: Date; delayNotified: boolean };

/**
 * A delivery status notification for a message's sender (at most one per attempt: RFC 3464
 * lets one report mix failed and delayed recipients), routed before it is recorded.
 */
export interface Notice {
  raw: Buffer;
  /** Local mailboxes whose INBOX receives it (the sender is ours)… */
  mailboxIds: string[];
  /** …or remote addresses it is queued to, from the null reverse-path. */
  remote: string[];
}

export interface QueueStore {
  /** Takes up to `limit` groups of due recipients under a lease held by `owner`. */
  claim(owner: string, limit: number, leaseSeconds: number): Promise<ClaimedGroup[]>;
  /** Extends the lease on rows still held by `owner` (a long delivery must not lose them). */
  renew(owner: string, ids: string[], leaseSeconds: number): Promise<void>;
  /**
   * Records one attempt: the attempt rows, every recipient's new state and the notice,
   * all in one transaction, only for rows whose lease `owner` still holds. Returns the
   * ids it updated (fewer than given when a lease was lost to another daemon).
   */
  finish(owner: string, group: ClaimedGroup, attempt: AttemptFacts, updates: RecipientUpdate[], notice: Notice | null): Promise<string[]>;
  /** Gives back every lease `owner` holds (on shutdown), so others need not wait for expiry. */
  release(owner: string): Promise<void>;
  /** The earliest time any waiting recipient becomes due, or null when nothing waits. */
  nextDue(): Promise<Date | null>;
}
