import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';

// Test helpers: the openssl CLI as an independent checker (never used by the product).

export const CLI: Actor = { kind: 'cli', user: 'test' };

export function useTestEnv(): void {
  process.env.POSTERN_SECRET ??= 'certs-test-master-key-0123456789';
  process.env.POSTERN_HOSTNAME ??= 'mail.example.test';
  process.env.POSTERN_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'postern-certs-'));
}

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'postern-certs-'));
}

export function openssl(args: string[], input?: string | Buffer): { code: number; out: string; err: string } {
  const r = spawnSync('openssl', args, { input, encoding: 'buffer', timeout: 20_000 });
  return { code: r.status ?? -1, out: r.stdout.toString(), err: r.stderr.toString() };
}

export function write(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

export async function makeMailbox(db: Db, address: string): Promise<string> {
  const [local, domain] = address.split('@');
  const d = await db.domain.upsert({ where: { name: domain }, create: { name: domain }, update: {} });
  const m = await db.mailbox.create({ data: { domainId: d.id, localPart: local, address, passwordHash: 'x', quotaBytes: 1n << 30n } });
  return m.id;
}
