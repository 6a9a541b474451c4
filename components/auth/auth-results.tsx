import type { ArcChain, AuthResultsParse, MethodResult } from '@/lib/auth-results';
import { Badge } from '@/components/ui/badge';

type Tone = 'ok' | 'warn' | 'danger' | 'neutral';

/** RFC 8601 §2.7 results: pass is good, fail and permerror are failures, the rest are in between. */
export function resultTone(result: string | null): Tone {
  switch (result) {
    case 'pass':
      return 'ok';
    case 'fail':
    case 'permerror':
    case 'hardfail':
      return 'danger';
    case 'softfail':
    case 'temperror':
    case 'neutral':
    case 'policy':
      return 'warn';
    default:
      return 'neutral';
  }
}

export function ResultBadge({ method, result }: { method?: string; result: string | null }) {
  return <Badge tone={resultTone(result)}>{method ? `${method}=${result ?? 'not checked'}` : (result ?? 'not checked')}</Badge>;
}

function MethodRow({ r }: { r: MethodResult }) {
  return (
    <li className="flex flex-wrap items-center gap-2 py-1 text-xs" data-testid="auth-method" data-method={r.method} data-result={r.result}>
      <ResultBadge method={r.methodVersion === null ? r.method : `${r.method}/${r.methodVersion}`} result={r.result} />
      {r.reason ? <span>reason: &ldquo;{r.reason}&rdquo;</span> : null}
      {r.properties.map((p, i) => (
        <code key={i} className="break-all rounded bg-surface-2 px-1">
          {p.ptype}.{p.property}={p.value}
        </code>
      ))}
      {r.comments.map((c, i) => (
        <span key={`c${i}`} className="text-muted">
          ({c})
        </span>
      ))}
    </li>
  );
}

/**
 * One Authentication-Results field: who wrote it (the authserv-id), then each method's result
 * with its properties; an unparsable field says why and shows what it was.
 */
export function AuthResultsField({ field, label }: { field: AuthResultsParse; label?: string }) {
  if (!field.ok) {
    return (
      <div className="rounded-md border border-warn bg-warn-bg p-2 text-xs" data-testid="auth-results-field">
        <p className="font-medium">{label ?? 'Authentication-Results'}: unparsable ({field.error})</p>
        <code className="mt-1 block break-all">{field.raw}</code>
      </div>
    );
  }
  return (
    <div className="rounded-md border border-border bg-surface-2 p-2" data-testid="auth-results-field">
      <p className="text-xs">
        <span className="text-muted">{label ?? 'Authentication-Results'} written by </span>
        <strong data-testid="authserv-id">{field.authservId}</strong>
        {field.comments.length ? <span className="text-muted"> ({field.comments.join('; ')})</span> : null}
      </p>
      {field.none ? (
        <p className="mt-1 text-xs text-muted">none: this server did no checks.</p>
      ) : (
        <ul className="mt-1">
          {field.results.map((r, i) => (
            <MethodRow key={i} r={r} />
          ))}
        </ul>
      )}
    </div>
  );
}

const CHAIN_TONE: Record<ArcChain['status'], Tone> = { none: 'neutral', pass: 'ok', fail: 'danger', invalid: 'danger' };

/** The ARC sets by instance, oldest first, with each seal's cv= and the chain's structure. */
export function ArcChainView({ chain }: { chain: ArcChain }) {
  if (chain.sets.length === 0 && chain.status === 'none') return <p className="text-sm text-muted">No ARC fields.</p>;
  return (
    <div className="space-y-2" data-testid="arc-chain">
      <p className="text-xs">
        Chain structure: <Badge tone={CHAIN_TONE[chain.status]}>{chain.status}</Badge>{' '}
        <span className="text-muted">(as the fields claim: signatures are not verified here)</span>
        {chain.problem ? <span className="mt-1 block text-danger">{chain.problem}</span> : null}
      </p>
      <ol className="space-y-2">
        {chain.sets.map((s) => (
          <li key={s.instance} className="rounded-md border border-border p-2 text-xs" data-testid="arc-set" data-instance={s.instance}>
            <p className="font-medium">
              i={s.instance}
              {s.seal?.ok ? (
                <>
                  {' '}
                  · sealed by {s.seal.domain} (s={s.seal.selector}, {s.seal.algorithm}) · <ResultBadge method="cv" result={s.seal.cv} />
                  {s.seal.timestamp ? <span className="text-muted"> · {s.seal.timestamp.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</span> : null}
                </>
              ) : s.seal ? (
                <span className="text-danger"> · ARC-Seal unparsable: {s.seal.error}</span>
              ) : (
                <span className="text-danger"> · no ARC-Seal</span>
              )}
            </p>
            {s.messageSignature?.ok ? (
              <p className="mt-1 text-muted">
                ARC-Message-Signature by {s.messageSignature.domain} (s={s.messageSignature.selector}) over {s.messageSignature.headers.join(', ')}
              </p>
            ) : s.messageSignature ? (
              <p className="mt-1 text-danger">ARC-Message-Signature unparsable: {s.messageSignature.error}</p>
            ) : null}
            {s.authenticationResults ? (
              <div className="mt-1">
                <AuthResultsField field={s.authenticationResults} label="ARC-Authentication-Results" />
              </div>
            ) : null}
          </li>
        ))}
      </ol>
    </div>
  );
}
