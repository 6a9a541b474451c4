// The restored rows' private keys are sealed with the backup's master key, so the restored server
// must run with it: POSTERN_SECRET when the environment sets it, else the data directory's
// secrets.json (the file lib/config/secrets.ts reads and completes).
import fs from 'node:fs';
import path from 'node:path';

const FILE = 'secrets.json';

/** Refuses, before anything is written, an environment whose POSTERN_SECRET is another key. */
export function checkMasterKey(backupKey: string, env: NodeJS.ProcessEnv = process.env): void {
  const set = env.POSTERN_SECRET;
  if (set && set !== backupKey) {
    throw new Error("POSTERN_SECRET is not the backup's master key: unset it (restore writes the backup's key into the data directory) or set it to that key");
  }
}

/**
 * Makes the backup's key the one the restored server unseals with. With POSTERN_SECRET set it is
 * already (checkMasterKey). Otherwise it goes into secrets.json; a different key found there is
 * kept in secrets.json.before-restore (it sealed nothing in the empty database restored into),
 * unless `keepPrevious` is false (a key generated a moment ago for a new data directory).
 * Returns what was done, for the operator.
 */
export function installMasterKey(dataDir: string, backupKey: string, options: { keepPrevious?: boolean; env?: NodeJS.ProcessEnv } = {}): string {
  const env = options.env ?? process.env;
  checkMasterKey(backupKey, env);
  if (env.POSTERN_SECRET) return 'master key: POSTERN_SECRET (the backup\'s)';
  const file = path.join(dataDir, FILE);
  let stored: Record<string, unknown> = {};
  if (fs.existsSync(file)) stored = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (stored.masterKey === backupKey) return `master key: ${file} (already the backup's)`;
  let note = `master key: the backup's, written to ${file}`;
  if (stored.masterKey && options.keepPrevious !== false) {
    fs.copyFileSync(file, `${file}.before-restore`);
    fs.chmodSync(`${file}.before-restore`, 0o600);
    note += ` (the previous one is kept in ${FILE}.before-restore)`;
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ ...stored, masterKey: backupKey }, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
  return note;
}
