// ctx.policy: one cache and one LISTEN on CHANNELS.policy per daemon. First the cache
// itself on a real database and a real NotifyBus; then the whole daemon, where one
// policy change must reach SMTP (SIZE, RFC 1870), IMAP (APPENDLIMIT, RFC 7889) and
// TLS (the minimum version, RFC 8996) from the same NOTIFY.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { NotifyBus } from '@/lib/db/notify';
import { createLogger } from '@/lib/log';
import { DEFAULT_POLICY, GLOBAL_POLICY_ID, updatePolicy } from '@/lib/policy';
import { freePort } from '@/lib/postgres/embedded';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { RawSmtp } from '@/mail-daemon/testing/smtp';
import { openDaemonPolicy } from './policy';
import type { PolicyCache } from './policy-cache';

/** Resolves on the next onChange call (the cache is already invalidated then). */
function nextChange(policy: PolicyCache): Promise<void> {
  return new Promise((resolve) => {
    const off = policy.onChange(() => {
      off();
      resolve();
    });
  });
}

describe('ctx.policy', () => {
  let db: TestDatabase;
  let bus: NotifyBus;
  let policy: PolicyCache;
  let domainId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    domainId = (await db.prisma.domain.create({ data: { name: 'policy.test' } })).id;
    bus = new NotifyBus(db.url);
    await bus.start();
    policy = await openDaemonPolicy(db.prisma, bus, createLogger('policy-test', 'silent'));
  });
  afterAll(async () => {
    await bus?.close();
    await db?.drop();
  });

  it('reads once and keeps the value until a NOTIFY, then tells every listener with the cache already cleared', async () => {
    expect(await policy.get()).toEqual(DEFAULT_POLICY);
    // A write that does not NOTIFY is not seen: readers share the one cached read.
    await db.prisma.policy.update({ where: { id: GLOBAL_POLICY_ID }, data: { settings: { maxRecipients: 7 } } });
    expect((await policy.get()).maxRecipients).toBe(100);

    const seen: number[] = [];
    const offFirst = policy.onChange(() => {
      throw new Error('a failing listener');
    });
    const offSecond = policy.onChange(() => void policy.get().then((p) => seen.push(p.maxRecipients)));
    const changed = nextChange(policy);
    await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings: { maxRecipients: 40 } });
    await changed;
    expect((await policy.get()).maxRecipients).toBe(40);
    await expect.poll(() => seen).toEqual([40]);

    offFirst();
    offSecond();
    const again = nextChange(policy);
    await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings: {} });
    await again;
    expect(seen).toEqual([40]);
    expect(await policy.get()).toEqual(DEFAULT_POLICY);
  });

  it('gives a domain its override over the global row, and the global policy without one', async () => {
    const changed = nextChange(policy);
    await updatePolicy(db.prisma, SYSTEM, { domainId, settings: { maxMessageBytes: 4096, bruteForce: { maxFailures: 2 } } });
    await changed;
    const domain = await policy.get(domainId);
    expect(domain.maxMessageBytes).toBe(4096);
    expect(domain.bruteForce).toEqual({ ...DEFAULT_POLICY.bruteForce, maxFailures: 2 });
    expect((await policy.get()).maxMessageBytes).toBe(DEFAULT_POLICY.maxMessageBytes);
  });
});

/** The protocol a TLS 1.2-at-most client gets from `port`, or null when the handshake is refused. */
function tls12Handshake(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = tls.connect({ port, host: '127.0.0.1', servername: 'mx.postern.test', rejectUnauthorized: false, maxVersion: 'TLSv1.2' }, () => {
      resolve(socket.getProtocol());
      socket.destroy();
    });
    socket.on('error', () => resolve(null));
  });
}

async function smtpSize(port: number): Promise<string | undefined> {
  const { client } = await RawSmtp.connect(port);
  try {
    return (await client.cmd('EHLO client.test')).lines.find((l) => l.startsWith('SIZE '));
  } finally {
    client.close();
  }
}

async function imapAppendLimit(port: number): Promise<string | undefined> {
  const c = await WireClient.connect(port, { tls: true });
  try {
    return /APPENDLIMIT=\d+/.exec(await c.line())?.[0];
  } finally {
    c.close();
  }
}

describe('one policy change reaches SMTP, IMAP and TLS in the running daemon', () => {
  let db: TestDatabase;
  let daemon: DaemonProcess;
  let dir: string;
  let imaps: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-policy-'));
    imaps = await freePort();
    daemon = await spawnDaemon(db.url, dir, { POSTERN_IMAPS_PORT: String(imaps) });
  });
  afterAll(async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('SIZE, APPENDLIMIT and the TLS floor all follow one NOTIFY, without a restart', async () => {
    expect(await smtpSize(daemon.ports.mx)).toBe('SIZE 52428800');
    expect(await imapAppendLimit(imaps)).toBe('APPENDLIMIT=52428800');
    expect(await tls12Handshake(imaps)).toBe('TLSv1.2');
    expect(await tls12Handshake(daemon.ports.submissions)).toBe('TLSv1.2');

    await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings: { maxMessageBytes: 100_000, minTlsVersion: 'TLSv1.3' } });
    const poll = { timeout: 5000, interval: 100 };
    await expect.poll(() => smtpSize(daemon.ports.mx), poll).toBe('SIZE 100000');
    await expect.poll(() => imapAppendLimit(imaps), poll).toBe('APPENDLIMIT=100000');
    await expect.poll(() => tls12Handshake(imaps), poll).toBeNull();
    await expect.poll(() => tls12Handshake(daemon.ports.submissions), poll).toBeNull();
  });
});
