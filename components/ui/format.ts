const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB". Accepts bigint (Prisma BigInt columns) or number. */
export function formatBytes(value: bigint | number): string {
  let n = typeof value === 'bigint' ? Number(value) : value;
  let unit = 0;
  while (n >= 1024 && unit < UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${unit === 0 ? n : n.toFixed(n < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** `part` of `whole` as a percentage with one decimal ("87.5%"), or "—" when there is nothing to divide. */
export function formatShare(part: number, whole: number): string {
  return whole ? `${((part / whole) * 100).toFixed(1)}%` : '—';
}
