import fs from 'node:fs';

export interface ServerLog {
  write(chunk: Buffer): void;
  close(): void;
}

/**
 * Appends to `file` (mode 0600: a server log can quote the statements it failed on); past
 * `maxBytes` it becomes `file.1`, `file.1` becomes `file.2`…, and the oldest beyond `keep` goes.
 */
export function openServerLog(file: string, { maxBytes = 10 * 1024 * 1024, keep = 3 } = {}): ServerLog {
  let fd: number | undefined = fs.openSync(file, 'a', 0o600);
  let size = fs.fstatSync(fd).size;
  const rotate = () => {
    fs.closeSync(fd!);
    for (let i = keep - 1; i >= 1; i--) if (fs.existsSync(`${file}.${i}`)) fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    fs.renameSync(file, `${file}.1`);
    fd = fs.openSync(file, 'a', 0o600);
    size = 0;
  };
  return {
    write(chunk) {
      if (fd === undefined) return;
      if (size > 0 && size + chunk.length > maxBytes) rotate();
      fs.writeSync(fd, chunk);
      size += chunk.length;
    },
    close() {
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    },
  };
}
