import { Badge } from '@/components/ui/badge';

/** One hop as the path drawing needs it. */
export interface PathHop {
  /** who handed the message over (helo / reverse name / ip), as one line; empty: the header has no `from` part */
  from: string;
  /** the same names one by one, to see whether the previous hop's receiver is this hop's sender */
  fromHosts?: string[];
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
  // No `from` part: written inside the receiving system (Gmail's "by … with SMTP id"), no client connected.
  if (s === null && !h.from) return { text: 'internal hop (TLS unknown)', tone: 'neutral' };
  if (s === null) return { text: h.protocol ? `${h.protocol} (not SMTP transport)` : 'no transport stated', tone: 'neutral' };
  if (s === 'none') return { text: 'cleartext', tone: 'danger' };
  if (s === 'unknown') return { text: 'TLS (version not stated)', tone: 'warn' };
  return { text: s, tone: RANK.indexOf(s) >= RANK.indexOf('TLSv1.2') ? 'ok' : 'warn' };
}

const host = (v: string) => v.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');

/**
 * A break in the chain: the hop before said it was received by a host that is none of the names
 * this hop says it came from. Hops without `from` (internal) or without a stated receiver do not count.
 */
export function chainBreak(previous: PathHop | undefined, hop: PathHop): boolean {
  if (!previous || !previous.by || previous.fact) return false;
  const names = (hop.fromHosts ?? []).filter(Boolean).map(host);
  if (names.length === 0) return false;
  return !names.includes(host(previous.by));
}

function Node({ text, placeholder }: { text: string; placeholder: string }) {
  return <span className={text ? 'break-all font-mono' : 'text-muted'}>{text || placeholder}</span>;
}

/**
 * The hop chain drawn as a path, oldest hop first (where the message started) to the newest (us).
 * Each hop shows its `from` and its `by`, so a hop whose sender is not the previous hop's receiver
 * stands out. Input order is header order (topmost = newest first), as the parser gives it.
 */
export function HopPath({ hops, testId = 'hop-path' }: { hops: PathHop[]; testId?: string }) {
  if (hops.length === 0) return <p className="text-sm text-muted">No Received headers.</p>;
  const ordered = [...hops].reverse();
  const weakest = weakestIndex(ordered);
  return (
    <ol className="space-y-2" data-testid={testId}>
      {ordered.map((h, i) => {
        const l = label(h);
        const isWeakest = i === weakest && strength(h) !== 'TLSv1.3';
        const broken = chainBreak(ordered[i - 1], h);
        return (
          <li key={i} className="border-l-2 border-border pl-4" data-testid="hop" data-chain-break={broken || undefined}>
            {broken ? (
              <p className="mb-1 text-xs font-medium text-danger" data-testid="chain-break">
                Break in the chain: the hop before was received by {ordered[i - 1].by}, but this one says it came from {h.from}.
              </p>
            ) : null}
            <div className={`rounded-md border p-2 text-xs ${isWeakest ? 'border-danger bg-danger-bg' : 'border-border bg-surface-2'}`}>
              <dl className="grid grid-cols-[3rem_1fr] gap-x-2 gap-y-0.5 text-sm">
                <dt className="text-muted">from</dt>
                <dd data-testid="hop-from">
                  <Node text={h.from} placeholder="(no from part: internal to the receiving system)" />
                </dd>
                <dt className="text-muted">by</dt>
                <dd data-testid="hop-by">
                  <Node text={h.by} placeholder="(receiver not stated)" />
                </dd>
              </dl>
              <div className="mt-1 flex flex-wrap items-center gap-2">
                <Badge tone={l.tone}>{l.text}</Badge>
                {h.tls.cipher ? <code className="break-all">{h.tls.cipher}</code> : null}
                {h.tls.bits !== null ? <span className="text-muted">{h.tls.bits} bits</span> : null}
                {h.protocol ? <span className="text-muted">with {h.protocol}</span> : null}
                {h.fact ? <Badge tone="ok">our hop · fact</Badge> : <Badge>claimed</Badge>}
                {isWeakest ? <strong className="text-danger">weakest hop</strong> : null}
              </div>
              {h.date ? <div className="mt-1 text-muted">{h.date.replace('T', ' ').replace(/(?:\.\d+)?Z$/, ' UTC')}</div> : null}
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
  const fromHosts = [h.from.helo, h.from.name, h.from.ip].filter((v): v is string => Boolean(v));
  return { from: who, fromHosts, by: h.by ?? '', protocol: h.protocol, date: h.date, tls: h.tls, fact };
}
