import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openServerLog } from './server-log';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-server-log-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

it('rotates by size and keeps the newest few files', () => {
  const file = path.join(tmp, 'postgres.log');
  const log = openServerLog(file, { maxBytes: 10, keep: 2 });
  for (const line of ['one 56789\n', 'two 56789\n', 'three 789\n', 'four 6789\n']) log.write(Buffer.from(line));
  log.close();
  expect(fs.readFileSync(file, 'utf8')).toBe('four 6789\n');
  expect(fs.readFileSync(`${file}.1`, 'utf8')).toBe('three 789\n');
  expect(fs.readFileSync(`${file}.2`, 'utf8')).toBe('two 56789\n');
  expect(fs.existsSync(`${file}.3`)).toBe(false);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  // A later start appends to what is there.
  const again = openServerLog(file, { maxBytes: 100, keep: 2 });
  again.write(Buffer.from('five\n'));
  again.close();
  expect(fs.readFileSync(file, 'utf8')).toBe('four 6789\nfive\n');
});
