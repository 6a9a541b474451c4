import { Badge } from '@/components/ui/badge';

/** One hop as the path drawing needs it. */
export interface PathHop {
  /** who handed the message over (helo / reverse name / ip) */
  from: string;
  /** who received it */
  by: string;
  protocol: string | null;
  date: string | null;
  tls: { used: boolean | null; version: string | null; cipher: string | null; bits: number | null };
  /** true for our own hop (from the SMTP receipt); false for hops read from headers */
  fact: boolean;
}

const RANK = ['none', 'unknown', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

function strength(h: PathHop): string | null {
  if (h.tls.used === null) return null;
  if (h.tls.used === false) return 'none';
  return h.tls.version ?? 'unknown';
}

/** Index of the weakest transport hop (first of equals), or -1. */
export function weakestIndex(hops: PathHop[]): number {
  let best = -1;
  let bestRank = Infinity;
  hops.forEach((h, i) => {
    const s = strength(h);
    if (s === null) return;
    const r = RANK.indexOf(s);
    if (r < bestRank) {
      bestRank = r;
      best = i;
    }
  });
  return best;
}

function label(h: PathHop): { text: string; tone: 'ok' | 'warn' | 'danger' | 'neutral' } {
  const s = strength(h);
  if (s === null) return { text: h.protocol ? `${h.protocol} (not SMTP transport)` : 'no transport stated', tone: 'neutral' };
  if (s === 'none') return { text: 'cleartext', tone: 'danger' };
  if (s === 'unknown') return { text: 'TLS (version not stated)', tone: 'warn' };
  return { text: s, tone: RANK.indexOf(s) >= RANK.indexOf('TLSv1.2') ? 'ok' : 'warn' };
}

/**
 * The hop chain drawn as a path, oldest hop first (where the message started) to the newest (us).
 * Input order is header order (topmost = newest first), as the parser gives it.
 */
export function HopPath({ hops, testId = 'hop-path' }: { hops: PathHop[]; testId?: string }) {
  if (hops.length === 0) return <p className="text-sm text-muted">No Received headers.</p>;
  const ordered = [...hops].reverse();
  const weakest = weakestIndex(ordered);
  return (
    <ol className="space-y-0" data-testid={testId}>
      <li className="flex items-center gap-2 text-sm font-medium">
        <span className="inline-block h-3 w-3 rounded-full border-2 border-muted" aria-hidden />
        {ordered[0].from || 'origin (not stated)'}
      </li>
      {ordered.map((h, i) => {
        const l = label(h);
        const isWeakest = i === weakest && strength(h) !== 'TLSv1.3';
        return (
          <li key={i} className="relative ml-1.5 border-l-2 border-border pl-5" data-testid="hop">
            <div
              className={`my-1 rounded-md border p-2 text-xs ${isWeakest ? 'border-danger bg-danger-bg' : 'border-border bg-surface-2'}`}
            >
              <div className="flex flex-wrap items-center gap-2">
                <Badge tone={l.tone}>{l.text}</Badge>
                {h.tls.cipher ? <code className="break-all">{h.tls.cipher}</code> : null}
                {h.tls.bits !== null ? <span className="text-muted">{h.tls.bits} bits</span> : null}
                {h.protocol ? <span className="text-muted">with {h.protocol}</span> : null}
                {h.fact ? <Badge tone="ok">our hop · fact</Badge> : <Badge>claimed</Badge>}
                {isWeakest ? <strong className="text-danger">weakest hop</strong> : null}
              </div>
              {h.date ? <div className="mt-1 text-muted">{h.date.replace('T', ' ').replace(/(?:\.\d+)?Z$/, ' UTC')}</div> : null}
            </div>
            <div className="flex items-center gap-2 text-sm font-medium">
              <span className="-ml-[27px] inline-block h-3 w-3 rounded-full border-2 border-accent bg-surface" aria-hidden />
              {h.by || 'receiver (not stated)'}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

/** A parsed hop (lib/received) as a PathHop. */
export function pathHopOf(
  h: { from: { helo: string | null; name: string | null; ip: string | null }; by: string | null; protocol: string | null; date: string | null; tls: PathHop['tls'] },
  fact = false,
): PathHop {
  const who = [h.from.helo, h.from.name && h.from.name !== h.from.helo ? `(${h.from.name})` : null, h.from.ip ? `[${h.from.ip}]` : null]
    .filter(Boolean)
    .join(' ');
  return { from: who, by: h.by ?? '', protocol: h.protocol, date: h.date, tls: h.tls, fact };
}
