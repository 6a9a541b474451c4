// Debian's Dovecot for bench/imap: its own config directory, a high IMAPS port on loopback,
// passwd-file users with {ARGON2ID} hashes from doveadm (so LOGIN costs a hash comparable to
// Postern's), Maildir homes owned by nobody. Needs dovecot-imapd and root (to start its master).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@/lib/postgres/embedded';
import { WireClient } from '@/mail-daemon/testing/imap-wire';

export interface Dovecot {
  port: number;
  /** The master's pid (its imap and imap-login processes are its descendants). */
  pid: number;
  /** The user's Maildir (owned by nobody), for filling it without IMAP. */
  maildir(user: string): string;
  stop(): Promise<void>;
}

/** Starts Dovecot for `users`, all with `password`; null (and a note) when it is not installed. */
export async function startDovecot(users: readonly string[], password: string): Promise<Dovecot | null> {
  if (!fs.existsSync('/usr/sbin/dovecot')) {
    console.log('dovecot: not installed (apt-get install dovecot-imapd), skipped');
    return null;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-bench-dovecot-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  const hash = execFileSync('doveadm', ['pw', '-s', 'ARGON2ID', '-p', password]).toString().trim();
  fs.writeFileSync(path.join(dir, 'passwd'), users.map((u) => `${u}:${hash}`).join('\n') + '\n');
  fs.mkdirSync(path.join(dir, 'home'));
  execFileSync('chown', ['nobody:nogroup', path.join(dir, 'home')]);
  const conf = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(conf, [
    'protocols = imap',
    'listen = 127.0.0.1',
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `log_path = ${dir}/dovecot.log`,
    'ssl = required',
    `ssl_cert = <${dir}/cert.pem`,
    `ssl_key = <${dir}/key.pem`,
    'ssl_min_protocol = TLSv1.2',
    'disable_plaintext_auth = yes',
    'auth_mechanisms = plain login',
    'first_valid_uid = 1',
    `passdb {\n  driver = passwd-file\n  args = ${dir}/passwd\n}`,
    `userdb {\n  driver = static\n  args = uid=nobody gid=nogroup home=${dir}/home/%u\n}`,
    'mail_location = maildir:~/Maildir',
    'mail_fsync = always',
    'service imap-login {\n  inet_listener imap {\n    port = 0\n  }\n  inet_listener imaps {\n    port = ' + port + '\n    ssl = yes\n  }\n  process_limit = 1000\n  client_limit = 1000\n}',
    'service imap {\n  process_limit = 2000\n}',
    'default_client_limit = 4000',
    'default_process_limit = 2000',
    'mail_max_userip_connections = 1000',
  ].join('\n') + '\n');
  const master: ChildProcess = spawn('/usr/sbin/dovecot', ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async () => {
    master.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const errors: string[] = [];
    master.stderr!.on('data', (d: Buffer) => errors.push(d.toString()));
    // Wait until it accepts TLS connections.
    for (let i = 0; ; i++) {
      try {
        const c = await WireClient.connect(port, { tls: true });
        c.close();
        break;
      } catch {
        if (i > 100) throw new Error(`dovecot did not start: ${errors.join('')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, pid: master.pid!, maildir: (user) => path.join(dir, 'home', user, 'Maildir'), stop };
}
