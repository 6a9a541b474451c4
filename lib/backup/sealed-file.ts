// The backup file's encryption: a passphrase-derived key (scrypt, RFC 7914) and AES-256-GCM over
// the plaintext in chunks, each authenticated on its own, so a reader can prove the whole file
// genuine (every chunk, in order, up to the one marked last) before it acts on any of it.
//
//   header  "postern-backup\n" | version u8 | log2(N) u8 | r u8 | p u8 | salt[16] | check[32]
//   chunk   last u8 | length u32 | ciphertext[length] | tag[16]
//
// The key is new for every file (fresh salt), so the chunk counter is a safe GCM nonce. Each
// chunk's additional data is the header, its counter, its last flag and its length: a chunk moved,
// dropped, cut short or flagged last too early fails its tag, and a file that ends without a last
// chunk is truncated. `check` is a hash of a second derived key: a wrong passphrase is told apart
// from a damaged file without decrypting anything.
import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import fs from 'node:fs';

const MAGIC = Buffer.from('postern-backup\n');
const VERSION = 1;
const HEADER_LENGTH = MAGIC.length + 4 + 16 + 32;
const TAG_LENGTH = 16;
/** Plaintext bytes per chunk. */
export const CHUNK_SIZE = 1 << 20;
// scrypt cost: N = 2^16, r = 8 (64 MiB, a fraction of a second), the cost RFC 7914 §2 suggests for files.
const DEFAULT_COST = { log2N: 16, r: 8, p: 1 };

/** Why a file is refused: wrong passphrase, not a backup, or damaged/truncated. */
export class SealedFileError extends Error {}

function scrypt(passphrase: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** log2N;
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) => scryptCb(passphrase.normalize('NFC'), salt, 64, options, (err, key) => (err ? reject(err) : resolve(key))));
}

const checkValue = (checkKey: Buffer) => createHash('sha256').update('postern-backup-check\0').update(checkKey).digest();

function nonce(counter: number): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(BigInt(counter), 4);
  return n;
}

function aad(header: Buffer, counter: number, last: boolean, length: number): Buffer {
  const tail = Buffer.alloc(13);
  tail.writeBigUInt64BE(BigInt(counter), 0);
  tail[8] = last ? 1 : 0;
  tail.writeUInt32BE(length, 9);
  return Buffer.concat([header, tail]);
}

/** Writes an encrypted file chunk by chunk; nothing but the header is written before the first chunk fills. */
export class SealedFileWriter {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private counter = 0;
  bytesWritten = 0;

  private constructor(
    private readonly fd: number,
    private readonly header: Buffer,
    private readonly key: Buffer,
  ) {}

  static async create(fd: number, passphrase: string, cost = DEFAULT_COST): Promise<SealedFileWriter> {
    const salt = randomBytes(16);
    const derived = await scrypt(passphrase, salt, cost.log2N, cost.r, cost.p);
    const header = Buffer.concat([MAGIC, Buffer.from([VERSION, cost.log2N, cost.r, cost.p]), salt, checkValue(derived.subarray(32))]);
    const writer = new SealedFileWriter(fd, header, derived.subarray(0, 32));
    writer.write(header);
    return writer;
  }

  private write(bytes: Buffer): void {
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(this.fd, bytes, off);
    this.bytesWritten += bytes.length;
  }

  private seal(plain: Buffer, last: boolean): void {
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce(this.counter));
    cipher.setAAD(aad(this.header, this.counter, last, plain.length));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const head = Buffer.alloc(5);
    head[0] = last ? 1 : 0;
    head.writeUInt32BE(plain.length, 1);
    this.write(Buffer.concat([head, body, cipher.getAuthTag()]));
    this.counter++;
  }

  /** Adds plaintext; full chunks are sealed and written as they fill. */
  push(bytes: Buffer): void {
    this.pending.push(bytes);
    this.pendingLength += bytes.length;
    while (this.pendingLength >= CHUNK_SIZE) {
      const all = Buffer.concat(this.pending);
      this.seal(all.subarray(0, CHUNK_SIZE), false);
      const rest = all.subarray(CHUNK_SIZE);
      this.pending = rest.length ? [rest] : [];
      this.pendingLength = rest.length;
    }
  }

  /** Seals the rest as the last chunk. */
  finish(): void {
    this.seal(Buffer.concat(this.pending), true);
    this.pending = [];
    this.pendingLength = 0;
  }
}

function readExactly(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** An encrypted file opened with its passphrase: the header and key checked, chunks not yet read. */
export interface SealedFile {
  /** Every plaintext chunk in order; throws SealedFileError at the first one that is not genuine. */
  chunks(): Generator<Buffer>;
  close(): void;
}

export async function openSealedFile(path: string, passphrase: string): Promise<SealedFile> {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    throw new SealedFileError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const header = readExactly(fd, HEADER_LENGTH, 0);
    if (header.length < MAGIC.length || !header.subarray(0, MAGIC.length).equals(MAGIC)) throw new SealedFileError(`${path} is not a Postern backup`);
    if (header.length < HEADER_LENGTH) throw new SealedFileError(`${path} is truncated`);
    const [version, log2N, r, p] = header.subarray(MAGIC.length, MAGIC.length + 4);
    if (version !== VERSION) throw new SealedFileError(`${path} is a backup of format ${version}, this Postern reads format ${VERSION}`);
    if (log2N < 10 || log2N > 22 || r < 1 || r > 32 || p < 1 || p > 16) throw new SealedFileError(`${path} is damaged (scrypt parameters out of range)`);
    const salt = header.subarray(MAGIC.length + 4, MAGIC.length + 20);
    const derived = await scrypt(passphrase, salt, log2N, r, p);
    if (!timingSafeEqual(checkValue(derived.subarray(32)), header.subarray(MAGIC.length + 20))) throw new SealedFileError('wrong passphrase for this backup');
    const key = derived.subarray(0, 32);
    const size = fs.fstatSync(fd).size;
    return {
      *chunks() {
        let position = HEADER_LENGTH;
        for (let counter = 0; ; counter++) {
          const head = readExactly(fd, 5, position);
          if (head.length < 5) throw new SealedFileError(`${path} is truncated (it ends before its last chunk)`);
          const last = head[0] === 1;
          const length = head.readUInt32BE(1);
          if (head[0] > 1 || length > CHUNK_SIZE) throw new SealedFileError(`${path} is damaged (chunk ${counter})`);
          const body = readExactly(fd, length + TAG_LENGTH, position + 5);
          if (body.length < length + TAG_LENGTH) throw new SealedFileError(`${path} is truncated (it ends inside chunk ${counter})`);
          const decipher = createDecipheriv('aes-256-gcm', key, nonce(counter));
          decipher.setAAD(aad(header, counter, last, length));
          decipher.setAuthTag(body.subarray(length));
          let plain: Buffer;
          try {
            plain = Buffer.concat([decipher.update(body.subarray(0, length)), decipher.final()]);
          } catch {
            throw new SealedFileError(`${path} is damaged (chunk ${counter} fails its authentication)`);
          }
          position += 5 + length + TAG_LENGTH;
          yield plain;
          if (last) {
            if (position !== size) throw new SealedFileError(`${path} is damaged (bytes after its last chunk)`);
            return;
          }
        }
      },
      close: () => fs.closeSync(fd),
    };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}
