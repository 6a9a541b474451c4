// Reading a Maildir (https://cr.yp.to/proto/maildir.html): one file per message in cur/ (seen
// by a client) and new/ (not yet); tmp/ holds deliveries in progress and is skipped. Flags are
// the letters after ":2," in a file name in cur/; the received date is the file's mtime, which is
// what Maildir readers (Dovecot among them) take for it.
import fs from 'node:fs';
import path from 'node:path';

/** Maildir info letters (ASCII order) and the IMAP flags they stand for. P (passed: resent or forwarded) has no system flag; $Forwarded is the keyword IMAP clients use for it. */
const FLAG_LETTERS: Record<string, string> = {
  D: '\\Draft',
  F: '\\Flagged',
  P: '$Forwarded',
  R: '\\Answered',
  S: '\\Seen',
  T: '\\Deleted',
};

export function isMaildir(dir: string): boolean {
  return ['cur', 'new'].every((d) => fs.existsSync(path.join(dir, d)) && fs.statSync(path.join(dir, d)).isDirectory());
}

/** The IMAP flags of a Maildir file name: the letters after ":2," (or "!2," as some Windows-friendly writers spell it). */
export function maildirFlags(name: string): string[] {
  const m = /[:!]2,([A-Za-z]*)$/.exec(name);
  if (!m) return [];
  return [...new Set(m[1])].map((c) => FLAG_LETTERS[c]).filter((f): f is string => !!f);
}

export interface MaildirMessage {
  file: string;
  raw: Buffer;
  flags: string[];
  date: Date;
}

/** The messages of a Maildir, oldest first (by mtime, then name), read one at a time. */
export async function* readMaildir(dir: string): AsyncGenerator<MaildirMessage> {
  const entries: { file: string; mtime: number; name: string; fresh: boolean }[] = [];
  for (const sub of ['cur', 'new']) {
    for (const e of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      if (!e.isFile() || e.name.startsWith('.')) continue;
      const file = path.join(dir, sub, e.name);
      entries.push({ file, name: e.name, mtime: fs.statSync(file).mtimeMs, fresh: sub === 'new' });
    }
  }
  entries.sort((a, b) => a.mtime - b.mtime || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    // A message in new/ has not been seen by any client: it has no flags yet, whatever its name says.
    yield { file: e.file, raw: await fs.promises.readFile(e.file), flags: e.fresh ? [] : maildirFlags(e.name), date: new Date(Math.floor(e.mtime)) };
  }
}
