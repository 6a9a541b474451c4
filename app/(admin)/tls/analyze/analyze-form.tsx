'use client';

import { ArcChainView, AuthResultsField } from '@/components/auth/auth-results';
import { HopPath, pathHopOf } from '@/components/tls/hop-path';
import { Alert } from '@/components/ui/alert';
import { Card, CardTitle } from '@/components/ui/card';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import { analyzeAction, type AnalyzeState } from '../actions';

const initial: AnalyzeState = { headers: '', hops: null, authentication: null, error: null };

export function AnalyzeForm() {
  const { state, action, onSubmit, pending } = useFormAction(analyzeAction, initial);
  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
      <form action={action} onSubmit={onSubmit} className="flex flex-col gap-3">
        <label htmlFor="headers" className="text-sm font-medium">
          Message headers (or the whole message)
        </label>
        <textarea
          id="headers"
          name="headers"
          defaultValue={state.headers}
          rows={22}
          spellCheck={false}
          className="rounded-md border border-border bg-surface p-2 font-mono text-xs"
          placeholder={'Received: from mail.example.net (mail.example.net [192.0.2.1])\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\n\tby mx.example.org (Postfix) with ESMTPS id 4F1A2B;\n\tMon, 6 Jan 2025 08:00:00 +0000'}
          data-testid="analyze-input"
        />
        <div>
          <SubmitButton pending={pending}>Analyze</SubmitButton>
        </div>
        <Alert>{state.error}</Alert>
      </form>
      <div className="flex flex-col gap-4">
        <Card>
          <CardTitle>Hop chain (oldest first; every hop here is claimed by the headers)</CardTitle>
          <div className="mt-3">
            {state.hops ? <HopPath hops={state.hops.map((h) => pathHopOf(h))} /> : <p className="text-sm text-muted">Paste headers and press Analyze.</p>}
          </div>
          {state.hops && state.hops.length ? (
            <details className="mt-4 text-xs">
              <summary className="cursor-pointer text-muted">JSON (same as POST /api/received/analyze and postern tls analyze)</summary>
              <pre className="mt-2 max-h-96 overflow-auto rounded bg-surface-2 p-2" data-testid="analyze-json">
                {JSON.stringify({ hops: state.hops }, null, 2)}
              </pre>
            </details>
          ) : null}
        </Card>
        {state.authentication ? (
          <>
            <Card data-testid="analyze-auth-results">
              <CardTitle>Authentication-Results (topmost first: the newest, normally the receiving server&apos;s)</CardTitle>
              <p className="mt-1 text-xs text-muted">
                Each field names its writer; only a field written by a server you trust means anything, since a sender can add any field it likes.
              </p>
              <div className="mt-3 space-y-2">
                {state.authentication.results.length ? (
                  state.authentication.results.map((f, i) => <AuthResultsField key={i} field={f} />)
                ) : (
                  <p className="text-sm text-muted">No Authentication-Results header.</p>
                )}
              </div>
            </Card>
            <Card data-testid="analyze-arc">
              <CardTitle>ARC sets by instance (RFC 8617)</CardTitle>
              <div className="mt-3">
                <ArcChainView chain={state.authentication.arc} />
              </div>
            </Card>
          </>
        ) : null}
      </div>
    </div>
  );
}
