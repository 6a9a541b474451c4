// The backup's plaintext: a sequence of records, each `kind u8 | length u32 | payload`.
//
//   M  manifest (JSON, first)                     T  a table begins (JSON: name, columns)
//   D  COPY ... (FORMAT binary) bytes of it        E  the table ends (JSON: name, rows)
//   Z  end of the backup (JSON: rows per table; last)
import { SealedFileError } from './sealed-file';

export type RecordKind = 'M' | 'T' | 'D' | 'E' | 'Z';
const KINDS = new Set<string>(['M', 'T', 'D', 'E', 'Z']);
/** Data records carry at most this much; the COPY stream is cut to fit. */
export const MAX_RECORD = 1 << 20;

export function record(kind: RecordKind, payload: Buffer | object): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
  const head = Buffer.alloc(5);
  head.write(kind, 0, 'latin1');
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

export interface BackupRecord {
  kind: RecordKind;
  payload: Buffer;
}

/** The records in a stream of plaintext chunks, in order. */
export function* records(chunks: Iterable<Buffer>): Generator<BackupRecord> {
  let buf: Buffer = Buffer.alloc(0);
  for (const chunk of chunks) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let off = 0;
    while (buf.length - off >= 5) {
      const kind = String.fromCharCode(buf[off]);
      const length = buf.readUInt32BE(off + 1);
      if (!KINDS.has(kind) || length > MAX_RECORD * 2) throw new SealedFileError('the backup is damaged (a record it does not know)');
      if (buf.length - off - 5 < length) break;
      yield { kind: kind as RecordKind, payload: buf.subarray(off + 5, off + 5 + length) };
      off += 5 + length;
    }
    buf = buf.subarray(off);
  }
  if (buf.length) throw new SealedFileError('the backup is damaged (it ends inside a record)');
}

export const json = <T>(r: BackupRecord): T => JSON.parse(r.payload.toString('utf8')) as T;
