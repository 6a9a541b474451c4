// Transcript steps for IMAP tests: send a line (or nothing, to wait for what the server
// sends unasked), read until the step's last expected line, and match every line read. And SEARCH
// transcripts: criteria sent as `SEARCH CHARSET UTF-8`, each with the one untagged response it must get.
import { expect } from 'vitest';
import type { ImapHarness } from './imap-harness';
import { matchLines, WireClient, type Expect } from './imap-wire';

/** [line to send, or null to only read; the lines expected, '...' skipping ahead]. */
export type Step = [send: string | null, expect: (Expect | '...')[]];

export async function runSteps(c: WireClient, steps: Step[]): Promise<void> {
  for (const [send, want] of steps) {
    if (send !== null) c.write(send + '\r\n');
    const what = send === null ? 'waiting' : `after ${JSON.stringify(send.slice(0, 200))}`;
    const last = want[want.length - 1];
    const lines: string[] = [];
    for (;;) {
      let l: string;
      try {
        l = await c.line();
      } catch (err) {
        throw new Error(`${what}: ${(err as Error).message}; got so far:\n${lines.join('\n')}`);
      }
      lines.push(l);
      if (typeof last === 'string' ? l === last : last instanceof RegExp && last.test(l)) break;
    }
    const err = matchLines(lines, want);
    if (err) throw new Error(`${what}: ${err}`);
  }
}

/** A logged-in TLS client of `port` (the harness's, or a second server's). */
export async function loginClient(port: number, address: string, password: string): Promise<WireClient> {
  const c = await WireClient.connect(port, { tls: true });
  await c.line();
  const res = await c.command(`L LOGIN ${address} "${password}"`);
  expect(res[res.length - 1]).toMatch(/^L OK/);
  return c;
}

let counter = 0;

/** A fresh account with a unique address. */
export async function freshUser(h: ImapHarness, password: string, prefix = 'u'): Promise<{ address: string; mailboxId: string }> {
  const address = `${prefix}${++counter}-${Date.now()}@example.com`;
  return { address, mailboxId: await h.addUser(address, password) };
}

/** Quoted strings with non-ASCII text go as LITERAL+ literals (RFC 3501 quoted strings are 7-bit). */
function searchWire(criteria: string): string {
  return criteria.replace(/"((?:[^"\\]|\\.)*)"/g, (quoted, inner: string) => {
    if (!/[^\x00-\x7f]/.test(inner)) return quoted;
    const text = inner.replace(/\\(.)/g, '$1');
    return `{${Buffer.byteLength(text)}+}\r\n${text}`;
  });
}

export async function searchTranscript(c: WireClient, rows: readonly [criteria: string, response: string][]): Promise<void> {
  for (const [i, [criteria, response]] of rows.entries()) {
    const lines = await c.command(`T${i} SEARCH CHARSET UTF-8 ${searchWire(criteria)}`);
    const tagged = lines.pop()!;
    expect({ criteria, lines, tagged }).toEqual({ criteria, lines: [response], tagged: expect.stringMatching(new RegExp(`^T${i} OK`)) });
  }
}
