// An independent DKIM and ARC signer for the tests: Debian's dkimpy (python3-dkim), so our
// verifier is checked against someone else's signatures, not its own.
import { generateKeyPairSync } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { dkimRecordValue } from '@/lib/dkim/dns-record';
import { txtStrings } from '@/lib/dns/txt';

export interface TestKey {
  /** PKCS#1 PEM, as dkimpy reads it. */
  privatePem: string;
  /** The TXT record (RFC 6376 §3.6.1) as character-strings of at most 255 octets. */
  record: string[];
}

export function rsaKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return { privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), record: txtStrings(dkimRecordValue('rsa', p)) };
}

function python(script: string, message: Buffer, env: Record<string, string>): Buffer {
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input: message, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`dkimpy failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** The message with dkimpy's DKIM-Signature (relaxed/relaxed, rsa-sha256) on top. */
export function dkimpySign(message: Buffer, domain: string, selector: string, key: TestKey): Buffer {
  const script = `import dkim, os, sys
msg = sys.stdin.buffer.read()
sig = dkim.sign(msg, os.environb[b'SEL'], os.environb[b'DOM'], os.environb[b'KEY'], canonicalize=(b'relaxed', b'relaxed'))
sys.stdout.buffer.write(sig + msg)`;
  return python(script, message, { SEL: selector, DOM: domain, KEY: key.privatePem });
}

/**
 * The message with dkimpy's ARC set (RFC 8617 §4.1) for the next instance on top. The message
 * must carry the sealer's own Authentication-Results (authserv-id `srvId`), which the set copies.
 */
export function dkimpyArcSign(message: Buffer, domain: string, selector: string, key: TestKey, srvId: string): Buffer {
  const script = `import dkim, os, sys
msg = sys.stdin.buffer.read()
sig = dkim.arc_sign(msg, os.environb[b'SEL'], os.environb[b'DOM'], os.environb[b'KEY'], os.environb[b'SRV'])
if not sig: sys.exit('no ARC set made')
sys.stdout.buffer.write(b''.join(sig) + msg)`;
  return python(script, message, { SEL: selector, DOM: domain, KEY: key.privatePem, SRV: srvId });
}

export interface DkimpyVerdict {
  ok: boolean;
  /** The first DKIM-Signature's tags (RFC 6376 §3.5). */
  d: string;
  s: string;
  a: string;
  /** Its h= list, lower case, in order. */
  h: string[];
}

/**
 * dkimpy's verdict on the message's DKIM signature, the key record asked of the DNS server at
 * `dnsServer` (host:port). Asynchronous, so that server may run in the calling process.
 */
export function dkimpyVerify(message: Buffer, dnsServer: string): Promise<DkimpyVerdict> {
  const verifier = path.join(import.meta.dirname, 'dkimpy-verify.py');
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [verifier, dnsServer], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`dkimpy: ${err}`))));
    child.stdin.end(message);
  });
}
