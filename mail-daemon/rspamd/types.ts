// What the daemon needs from rspamd (https://rspamd.com/doc/developers/protocol.html):
// a scan before the 250 (/checkv2) and learning from users' Junk judgements (/learnspam,
// /learnham). The implementation speaks rspamd's HTTP protocol (client.ts).

export interface RspamdCheckInput {
  raw: Buffer;
  /** The SMTP client's address, HELO, envelope sender and recipients, as rspamd's headers carry them. */
  ip: string;
  helo: string;
  from: string;
  rcpts: string[];
  queueId: string;
  /** The authenticated user, if any (rspamd then skips some inbound rules). */
  user?: string | null;
  /** Our host name (rspamd's MTA-Name / Hostname). */
  hostname?: string;
}

/** rspamd's actions, most severe first. */
export type RspamdAction = 'reject' | 'soft reject' | 'rewrite subject' | 'add header' | 'greylist' | 'no action';

export interface RspamdResult {
  action: RspamdAction;
  score: number;
  requiredScore: number;
  /** Symbol name → its score (and rspamd's description when it gave one). */
  symbols: Record<string, { score: number; description?: string }>;
  /** rspamd's message for the SMTP reply, when it set one (e.g. for reject). */
  smtpMessage?: string;
}

export interface RspamdClient {
  /** Throws RspamdError when rspamd cannot be reached, times out or answers an error. */
  check(input: RspamdCheckInput): Promise<RspamdResult>;
  /** Throws RspamdError as check() does. */
  learn(verdict: 'spam' | 'ham', raw: Buffer): Promise<void>;
}

export class RspamdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RspamdError';
  }
}
