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

it('counts what a file already holds: a later start rotates once it would pass the limit', () => {
  const file = path.join(tmp, 'restart.log');
  fs.writeFileSync(file, 'x'.repeat(95));
  const log = openServerLog(file, { maxBytes: 100, keep: 3 });
  log.write(Buffer.from('12345\n'));
  log.close();
  expect(fs.readFileSync(file, 'utf8')).toBe('12345\n');
  expect(fs.readFileSync(`${file}.1`, 'utf8')).toBe('x'.repeat(95));
});

it('writes a chunk larger than the limit whole, never leaving an empty file behind', () => {
  const file = path.join(tmp, 'big.log');
  const log = openServerLog(file, { maxBytes: 10, keep: 3 });
  log.write(Buffer.from('a line longer than ten bytes\n'));
  log.write(Buffer.from('next\n'));
  log.close();
  expect(fs.readFileSync(`${file}.1`, 'utf8')).toBe('a line longer than ten bytes\n');
  expect(fs.readFileSync(file, 'utf8')).toBe('next\n');
  expect(fs.existsSync(`${file}.2`)).toBe(false);
});

it('keeps three old files by default, the oldest dropped first', () => {
  const file = path.join(tmp, 'default.log');
  const log = openServerLog(file, { maxBytes: 4 });
  for (const n of [1, 2, 3, 4, 5, 6]) log.write(Buffer.from(`${n}..\n`));
  log.close();
  expect([file, `${file}.1`, `${file}.2`, `${file}.3`].map((f) => fs.readFileSync(f, 'utf8'))).toEqual(['6..\n', '5..\n', '4..\n', '3..\n']);
  expect(fs.existsSync(`${file}.4`)).toBe(false);
});

it('ignores what arrives after it is closed', () => {
  const file = path.join(tmp, 'closed.log');
  const log = openServerLog(file);
  log.write(Buffer.from('before\n'));
  log.close();
  log.write(Buffer.from('after\n'));
  log.close();
  expect(fs.readFileSync(file, 'utf8')).toBe('before\n');
});
