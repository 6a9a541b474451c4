import { ServiceError } from '@/lib/errors';

// Units are powers of 1024 whether written "G" or "GiB": mail admins (Dovecot,
// Postfix, every hosting panel) mean 1 G = 1024³ bytes, and so do we. "B" or no unit
// means bytes. 0 means no limit.
const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const SIZE = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i;
const MAX = 2 ** 50; // 1 PiB: anything larger is a typo.

/** "2G", "500M", "1.5GiB", "1048576" (bytes) → bytes. */
export function parseQuota(input: string | number, field = 'quota'): number {
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0) throw new ServiceError('invalid', `${input} is not a size in bytes`, field);
    return input;
  }
  const raw = String(input ?? '').trim();
  const m = SIZE.exec(raw);
  if (!m) throw new ServiceError('invalid', `"${raw}" is not a size (use 500M, 2G…)`, field);
  const bytes = Math.round(Number(m[1]) * UNITS[m[2].toLowerCase()]);
  if (bytes > MAX) throw new ServiceError('invalid', `"${raw}" is larger than 1 PiB`, field);
  return bytes;
}

/** Bytes → "1.5 GiB"; the inverse of parseQuota for display. */
export function formatBytes(bytes: number | bigint): string {
  let n = Number(bytes);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : Number(n.toFixed(n < 10 ? 2 : 1))} ${units[i]}`;
}
