// Debian's Dovecot for bench/imap: its own config directory, a high IMAPS port on loopback,
// passwd-file users with {ARGON2ID} hashes made by Postern's own hashPassword (lib/auth/password.ts:
// argon2id, m=19456 KiB, t=2, p=1), so a LOGIN costs the same hash on both servers (doveadm pw
// -s ARGON2ID would make m=65536, t=3 and cannot set the memory; Dovecot's libsodium verifies any
// m/t/p given in the PHC string, in the order m, t, p). Maildir homes owned by nobody.
// imap-login in Dovecot's high-performance mode (service_count = 0: one login process proxies
// TLS for many clients, at least four of them so that none holds every descriptor) and one imap process per session, as Dovecot's docs advise for many
// users. Durability as Postern's: mail_fsync = optimized, Dovecot's default, fsyncs saved mail and
// not flag changes, as Postern commits APPEND durably and STORE asynchronously
// (mail-daemon/store/store-flags.ts). Needs dovecot-imapd and root (to start its master).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@/lib/postgres/embedded';
import { hashPassword } from '@/lib/auth/password';
import { WireClient } from '@/mail-daemon/testing/imap-wire';

export interface Dovecot {
  port: number;
  /** The master's pid (its imap and imap-login processes are its descendants). */
  pid: number;
  /** The user's Maildir (owned by nobody), for filling it without IMAP. */
  maildir(user: string): string;
  stop(): Promise<void>;
}

/** Postern's hash of `password` in the parameter order libsodium's verifier requires (m, t, p). */
async function dovecotHash(password: string): Promise<string> {
  const hash = await hashPassword(password);
  return `{ARGON2ID}${hash.replace(/\$m=(\d+),p=(\d+),t=(\d+)\$/, '$m=$1,t=$3,p=$2$')}`;
}

/**
 * Starts Dovecot for `users`, all with `password`, allowing `connections` sessions at once;
 * null (and a note) when it is not installed.
 */
export async function startDovecot(users: readonly string[], password: string, connections = 1000): Promise<Dovecot | null> {
  if (!fs.existsSync('/usr/sbin/dovecot')) {
    console.log('dovecot: not installed (apt-get install dovecot-imapd), skipped');
    return null;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-bench-dovecot-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  const hash = await dovecotHash(password);
  execFileSync('doveadm', ['pw', '-t', hash, '-p', password], { stdio: 'ignore' }); // throws unless Dovecot verifies it
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
    'mail_fsync = optimized',
    `service imap-login {\n  inet_listener imap {\n    port = 0\n  }\n  inet_listener imaps {\n    port = ${port}\n    ssl = yes\n  }\n  service_count = 0\n  process_min_avail = ${Math.max(4, os.cpus().length)}\n  client_limit = ${connections + 100}\n  vsz_limit = 2G\n}`,
    `service imap {\n  process_limit = ${connections + 100}\n}`,
    `default_client_limit = ${connections + 100}`,
    `default_process_limit = ${connections + 100}`,
    `mail_max_userip_connections = ${connections}`,
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
