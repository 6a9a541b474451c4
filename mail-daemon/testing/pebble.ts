import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '@/lib/postgres/embedded';
import { openssl, tmpDir } from '@/mail-daemon/testing/certificates';

// Debian's pebble (a small RFC 8555 test CA) plus pebble-challtestsrv as its DNS:
// every name resolves to 127.0.0.1, so pebble's HTTP-01 check really connects to
// our challenge server on `httpPort`. Loopback only, free ports only.

export interface Pebble {
  directoryUrl: string;
  /** Pebble's own HTTPS certificate (trust it via POSTERN_ACME_CA_FILE). */
  tlsCaFile: string;
  managementUrl: string;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`process exited: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} never opened: ${log()}`);
}

export async function startPebble(httpPort: number): Promise<Pebble> {
  const dir = tmpDir();
  const tlsCaFile = path.join(dir, 'pebble-cert.pem');
  const keyFile = path.join(dir, 'pebble-key.pem');
  const r = openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', tlsCaFile]);
  if (r.code !== 0) throw new Error(r.err);
  const [listen, management, tlsPort, dnsPort, ctsManagement] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const config = path.join(dir, 'pebble-config.json');
  fs.writeFileSync(config, JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${listen}`,
      managementListenAddress: `127.0.0.1:${management}`,
      certificate: tlsCaFile,
      privateKey: keyFile,
      httpPort,
      tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
    },
  }));
  let logs = '';
  const dns = spawn('pebble-challtestsrv', ['-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '',
    '-management', `127.0.0.1:${ctsManagement}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  dns.stdout!.on('data', (d) => (logs += d));
  dns.stderr!.on('data', (d) => (logs += d));
  const pebble = spawn('pebble', ['-config', config, '-dnsserver', `127.0.0.1:${dnsPort}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_VA_ALWAYS_VALID: '0', PEBBLE_AUTHZREUSE: '0' },
  });
  pebble.stdout!.on('data', (d) => (logs += d));
  pebble.stderr!.on('data', (d) => (logs += d));
  const stop = async () => {
    for (const child of [pebble, dns]) {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((res) => child.once('exit', res));
      }
    }
  };
  try {
    await waitForPort(ctsManagement, dns, () => logs);
    await waitForPort(listen, pebble, () => logs);
    await waitForPort(management, pebble, () => logs);
  } catch (err) {
    await stop();
    throw err;
  }
  return { directoryUrl: `https://127.0.0.1:${listen}/dir`, tlsCaFile, managementUrl: `https://127.0.0.1:${management}`, stop };
}
