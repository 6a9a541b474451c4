// A client that completes its TLS handshake and hangs up at once (close_notify, FIN), while
// the session is still being set up, on implicit TLS (465) and after STARTTLS (25, 587): the
// daemon process lives on and greets the next client. Such a socket has no cipher left to
// describe by the time the session asks for one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { RawSmtp } from '@/mail-daemon/testing/smtp';

let db: TestDatabase;
let daemon: DaemonProcess;
let dataDir: string;
/**
 * Hang-ups spread over the first milliseconds after the handshake, where the session is set
 * up; ten at once stay below the listener's 20 connections per address.
 */
const DELAYS_MS = [0, 1, 2, 3, 4, 6, 8, 10, 15, 20];

async function rounds(hangUp: (delayMs: number) => Promise<void>): Promise<void> {
  for (let r = 0; r < 4; r++) await Promise.all(DELAYS_MS.map((ms) => hangUp(ms + r)));
}

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-tls-hangup-'));
  daemon = await spawnDaemon(db.url, dataDir);
}, 60_000);

afterAll(async () => {
  for (const socket of hungUp) socket.destroy();
  daemon?.child.kill('SIGTERM');
  await daemon?.exited;
  await db?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Sockets hung up on: destroyed once the test is done, whatever the server made of them. */
const hungUp: tls.TLSSocket[] = [];

/** Handshakes, then ends the TLS session (close_notify and FIN) `delayMs` after the handshake. */
function handshakeAndHangUp(port: number, delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'mx.postern.test' });
    hungUp.push(socket);
    socket.on('error', () => {});
    socket.once('secureConnect', () =>
      setTimeout(() => {
        socket.end();
        resolve();
      }, delayMs),
    );
  });
}

async function starttlsAndHangUp(port: number, delayMs: number): Promise<void> {
  const { client } = await RawSmtp.connect(port);
  expect((await client.cmd('EHLO hangup.test')).code).toBe(250);
  expect((await client.cmd('STARTTLS')).code).toBe(220);
  const secure = await client.upgrade();
  hungUp.push(secure);
  secure.on('error', () => {});
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  secure.end();
}

describe('a client that hangs up right after its TLS handshake', () => {
  it('on 465, many times over: the daemon lives and greets the next client', async () => {
    await rounds((ms) => handshakeAndHangUp(daemon.ports.submissions, ms));
    const { client, greeting } = await RawSmtp.connect(daemon.ports.submissions, { implicitTls: true });
    expect(greeting.code).toBe(220);
    client.close();
    expect(daemon.child.exitCode).toBeNull();
  });

  it.each([
    ['25', () => daemon.ports.mx],
    ['587', () => daemon.ports.submission],
  ])('after STARTTLS on %s, many times over: the daemon lives and greets the next client', async (_name, port) => {
    await rounds((ms) => starttlsAndHangUp(port(), ms));
    const { client, greeting } = await RawSmtp.connect(port());
    expect(greeting.code).toBe(220);
    client.close();
    expect(daemon.child.exitCode).toBeNull();
  });
});
