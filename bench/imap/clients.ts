// What every bench/imap script does as a client, on either server: the test messages, a
// command that must answer OK, an IMAPS connection logged in, mailboxes filled by APPEND,
// and the memory of a server's processes.
import fs from 'node:fs';
import { WireClient } from '@/mail-daemon/testing/imap-wire';

export const PASSWORD = 'Bench-Password-123';

/** Message n of a bench mailbox: ~3.7 KB of plain text, a subject and sender that vary with n. */
export function message(n: number): string {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
  const body = Array.from({ length: 40 }, (_, i) => `Line ${i} of message ${n}: ${words[(n + i) % words.length]} the quick brown fox jumps over the lazy dog.`).join('\r\n');
  return (
    `From: Sender ${n % 7} <sender${n % 7}@example.org>\r\nTo: bench@bench.test\r\nSubject: Bench message ${n} ${words[n % words.length]}\r\n` +
    `Date: Tue, 24 Nov 2026 10:${String(n % 60).padStart(2, '0')}:00 +0000\r\nMessage-ID: <bench-${n}@example.org>\r\n` +
    `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`
  );
}

/** Sends a tagged command and returns its lines; throws unless the tagged answer is OK. */
export async function ok(c: WireClient, cmd: string): Promise<string[]> {
  const lines = await c.command(cmd, 120_000);
  const last = lines[lines.length - 1];
  if (!/^\S+ OK/.test(last)) throw new Error(`${cmd.slice(0, 60)} → ${last}`);
  return lines;
}

/** An IMAPS connection, greeting read, logged in as `user`. */
export async function connect(port: number, user: string, localAddress?: string): Promise<WireClient> {
  const c = await WireClient.connect(port, { tls: true, localAddress });
  await c.line(60_000);
  await ok(c, `L LOGIN ${user} ${PASSWORD}`);
  return c;
}

/** APPENDs message(n) to INBOX over an open session (a synchronizing-free literal, RFC 7888). */
export async function append(c: WireClient, n: number, tag = `A${n}`): Promise<string[]> {
  const m = message(n);
  c.write(`${tag} APPEND INBOX {${Buffer.byteLength(m)}+}\r\n${m}\r\n`);
  const res = await c.until(tag, 120_000);
  if (!/ OK/.test(res[res.length - 1])) throw new Error(`APPEND failed: ${res[res.length - 1]}`);
  return res;
}

/** Fills each user's INBOX with `messages` messages, all users at once. */
export async function seed(port: number, users: readonly string[], messages: number): Promise<void> {
  await Promise.all(
    users.map(async (user) => {
      const c = await connect(port, user);
      for (let n = 0; n < messages; n++) await append(c, n);
      await ok(c, 'Z LOGOUT');
      c.close();
    }),
  );
}

/** Proportional set size (shared pages split between the processes sharing them), in KiB. */
export function pssKb(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (m) total += Number(m[1]);
    } catch {
      // gone
    }
  }
  return total;
}

/** `pid` and every process below it. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch {
      // gone
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
