import { readBoundedText } from '@/lib/http/bounded-text';
import { RspamdError, type RspamdAction, type RspamdCheckInput, type RspamdClient, type RspamdResult } from './types';

// rspamd's HTTP protocol (https://rspamd.com/doc/developers/protocol.html), spoken to the
// controller worker: it serves /checkv2 as the normal worker does and also /learnspam and
// /learnham, so one URL (POSTERN_RSPAMD_URL, e.g. http://rspamd:11334) covers scanning and
// learning. The controller's enable password, when set, goes in the Password header of every
// request: it grants the read-only commands too.

export interface RspamdClientOptions {
  /** The controller's password (POSTERN_RSPAMD_PASSWORD); unset when rspamd trusts our address (secure_ip). */
  password?: string;
  /** How long a scan may take before the message is tempfailed instead, ms. */
  scanTimeoutMs?: number;
  /** The largest answer we read; rspamd's JSON for one message is a few KiB. */
  maxAnswerBytes?: number;
}

/** A learn keeps no SMTP client waiting (the learner retries later), so it may take longer than a scan. */
const LEARN_TIMEOUT_MS = 30_000;

const ACTIONS: readonly RspamdAction[] = ['reject', 'soft reject', 'rewrite subject', 'add header', 'greylist', 'no action'];

export function createRspamdClient(url: string, options: RspamdClientOptions = {}): RspamdClient {
  let base: URL;
  try {
    base = new URL(url.endsWith('/') ? url : `${url}/`);
  } catch {
    throw new RspamdError(`not a URL: ${url}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new RspamdError(`not an http(s) URL: ${url}`);
  const scanTimeoutMs = options.scanTimeoutMs ?? 15_000;
  const maxAnswerBytes = options.maxAnswerBytes ?? 1024 * 1024;

  async function post(endpoint: string, headers: [string, string][], body: Buffer, timeoutMs: number): Promise<{ status: number; answer: unknown }> {
    if (options.password) headers.push(['Password', options.password]);
    let res: Response;
    try {
      res = await fetch(new URL(endpoint, base), {
        method: 'POST',
        // Field values go out as their UTF-8 bytes (SMTPUTF8 addresses, RFC 6531): fetch takes
        // byte strings, one character per octet.
        headers: headers.map(([name, value]): [string, string] => [name, Buffer.from(value, 'utf8').toString('latin1')]),
        // A Buffer's memory is an ArrayBuffer (never shared), which is what fetch's types ask for.
        body: body as Uint8Array<ArrayBuffer>,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      throw new RspamdError(`${endpoint}: ${describe(err, timeoutMs)}`);
    }
    let text: string | null;
    try {
      text = await readBoundedText(res, maxAnswerBytes);
    } catch (err) {
      throw new RspamdError(`${endpoint}: ${describe(err, timeoutMs)}`);
    }
    if (text === null) throw new RspamdError(`${endpoint}: answer exceeds ${maxAnswerBytes} bytes`);
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      throw new RspamdError(`${endpoint}: HTTP ${res.status}, not JSON`);
    }
    return { status: res.status, answer };
  }

  return {
    async check(input: RspamdCheckInput): Promise<RspamdResult> {
      const headers: [string, string][] = [
        ['IP', input.ip],
        ['Helo', input.helo],
        // The null reverse-path of bounces (RFC 5321 §4.5.5) as rspamd expects it.
        ['From', input.from || '<>'],
        // One Rcpt per recipient; fetch joins them into one comma-separated field, which
        // rspamd's recipient parser splits again (quoted local parts included).
        ...input.rcpts.map((r): [string, string] => ['Rcpt', r]),
        ['Queue-Id', input.queueId],
      ];
      if (input.user) headers.push(['User', input.user]);
      if (input.hostname) headers.push(['MTA-Name', input.hostname], ['Hostname', input.hostname]);
      for (const [name, value] of headers) {
        if (/[\r\n]/.test(value)) throw new RspamdError(`${name} carries a line break`);
      }
      const { status, answer } = await post('checkv2', headers, input.raw, scanTimeoutMs);
      if (status !== 200) throw new RspamdError(`checkv2: HTTP ${status}${errorText(answer)}`);
      return parseCheck(answer);
    },

    async learn(verdict: 'spam' | 'ham', raw: Buffer): Promise<void> {
      const endpoint = verdict === 'spam' ? 'learnspam' : 'learnham';
      const { status, answer } = await post(endpoint, [], raw, LEARN_TIMEOUT_MS);
      if (status === 200 && isRecord(answer) && answer.success === true) return;
      // rspamd refuses a second identical learn ("has been already learned as spam"): the
      // judgement is in its statistics, which is what we asked for.
      if (/already learned/.test(errorText(answer))) return;
      throw new RspamdError(`${endpoint}: HTTP ${status}${errorText(answer)}`);
    },
  };
}

function parseCheck(answer: unknown): RspamdResult {
  if (!isRecord(answer)) throw new RspamdError('checkv2: answer is not an object');
  const { action, score, required_score: requiredScore } = answer;
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) throw new RspamdError(`checkv2: unknown action ${JSON.stringify(action)}`);
  if (typeof score !== 'number' || typeof requiredScore !== 'number') throw new RspamdError('checkv2: answer without score');
  const symbols: RspamdResult['symbols'] = {};
  if (isRecord(answer.symbols)) {
    for (const [name, symbol] of Object.entries(answer.symbols)) {
      if (!isRecord(symbol)) continue;
      symbols[name] = {
        score: typeof symbol.score === 'number' ? symbol.score : 0,
        ...(typeof symbol.description === 'string' ? { description: symbol.description } : {}),
      };
    }
  }
  const smtpMessage = isRecord(answer.messages) && typeof answer.messages.smtp_message === 'string' ? answer.messages.smtp_message : undefined;
  return { action: action as RspamdAction, score, requiredScore, symbols, ...(smtpMessage ? { smtpMessage } : {}) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function errorText(answer: unknown): string {
  return isRecord(answer) && typeof answer.error === 'string' ? `: ${answer.error}` : '';
}

function describe(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
  return cause ?? (err instanceof Error ? err.message : String(err));
}
