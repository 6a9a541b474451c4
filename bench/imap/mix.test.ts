// bench/imap/mix.ts in its smallest mode (2 clients, one 1 s run of each way, Postern only), so
// the script keeps working as the daemon changes: it must finish and report ops/s for both ways.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('bench/imap/mix.ts', () => {
  it('runs its smallest mode and writes a row per way', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-mix-test-'));
    const results = path.join(dir, 'mix.json');
    try {
      const root = path.resolve(import.meta.dirname, '../..');
      await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'bench/imap/mix.ts', '--clients', '2', '--seconds', '1', '--repeat', '1', '--messages', '2', '--no-dovecot', '--results', results],
        { cwd: root, timeout: 110_000 },
      );
      const { rows } = JSON.parse(fs.readFileSync(results, 'utf8')) as { rows: { way: string; clients: number; postern: number; dovecot: number | null }[] };
      expect(rows.map((r) => [r.way, r.clients, r.dovecot])).toEqual([
        ['new session', 2, null],
        ['long-lived', 2, null],
      ]);
      for (const r of rows) expect(r.postern).toBeGreaterThan(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
