// The backup file's encryption on its own: chunks round trip; a wrong passphrase, a cut, a dropped,
// swapped or altered chunk, and bytes after the end are each refused.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHUNK_SIZE, openSealedFile, SealedFileWriter } from './sealed-file';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-sealed-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const HEADER = 15 + 4 + 16 + 32;
const FAST = { log2N: 10, r: 8, p: 1 };

async function sealed(name: string, plain: Buffer, cost = FAST): Promise<string> {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'w');
  const w = await SealedFileWriter.create(fd, 'pass phrase', cost);
  // Pushed in uneven pieces: chunk boundaries do not follow the writer's calls.
  for (let off = 0; off < plain.length; off += 70_001) w.push(plain.subarray(off, off + 70_001));
  w.finish();
  fs.closeSync(fd);
  return file;
}

async function read(file: string, pass = 'pass phrase'): Promise<Buffer> {
  const f = await openSealedFile(file, pass);
  try {
    return Buffer.concat([...f.chunks()]);
  } finally {
    f.close();
  }
}

/** Offsets of each chunk: [start, end). */
function chunks(bytes: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let pos = HEADER; pos < bytes.length; ) {
    const end = pos + 5 + bytes.readUInt32BE(pos + 1) + 16;
    out.push([pos, end]);
    pos = end;
  }
  return out;
}

function variant(file: string, name: string, f: (b: Buffer) => Buffer): string {
  const out = path.join(dir, name);
  fs.writeFileSync(out, f(fs.readFileSync(file)));
  return out;
}

describe('sealed backup file', () => {
  const plain = randomBytes(CHUNK_SIZE * 2 + 12345);
  let file: string;

  it('round trips several chunks (the default scrypt cost too)', async () => {
    file = await sealed('a.pbk', plain);
    expect(chunks(fs.readFileSync(file))).toHaveLength(3);
    expect((await read(file)).equals(plain)).toBe(true);
    const small = await sealed('b.pbk', Buffer.from('hello'), { log2N: 16, r: 8, p: 1 });
    expect((await read(small)).toString()).toBe('hello');
    expect(fs.readFileSync(small).includes(Buffer.from('hello'))).toBe(false);
  });

  it('refuses a wrong passphrase before reading a chunk', async () => {
    await expect(openSealedFile(file, 'another')).rejects.toThrow('wrong passphrase for this backup');
  });

  it.each([
    ['cut inside a chunk', (b: Buffer) => b.subarray(0, b.length - 100), /is truncated \(it ends inside chunk 2\)/],
    ['without its last chunk', (b: Buffer) => b.subarray(0, chunks(b)[2][0]), /is truncated \(it ends before its last chunk\)/],
    ['a chunk dropped', (b: Buffer) => Buffer.concat([b.subarray(0, chunks(b)[1][0]), b.subarray(chunks(b)[2][0])]), /chunk 1 fails its authentication/],
    ['two chunks swapped', (b: Buffer) => { const c = chunks(b); return Buffer.concat([b.subarray(0, c[0][0]), b.subarray(...c[1]), b.subarray(...c[0]), b.subarray(c[2][0])]); }, /chunk 0 fails its authentication/],
    ['one bit altered', (b: Buffer) => { const x = Buffer.from(b); x[chunks(b)[1][0] + 1000] ^= 1; return x; }, /chunk 1 fails its authentication/],
    ['the header altered', (b: Buffer) => { const x = Buffer.from(b); x[HEADER - 40] ^= 1; return x; }, /wrong passphrase/],
    ['bytes after the end', (b: Buffer) => Buffer.concat([b, Buffer.from('x')]), /bytes after its last chunk/],
  ] as const)('refuses a file %s', async (name, change, message) => {
    await expect(read(variant(file, `${name}.pbk`, change))).rejects.toThrow(message);
  });
});
