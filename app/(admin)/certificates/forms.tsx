'use client';
// Over 300 lines: the certificates pages' small client forms (CA, issue, CSR, import, upload, ACME, activate, S/MIME), which share one action-state pattern.

import Link from 'next/link';
import { Alert } from '@/components/ui/alert';
import { Card } from '@/components/ui/card';
import { Field } from '@/components/ui/field';
import { Checkbox, Input, Select, Textarea } from '@/components/ui/input';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import { sentence } from '@/lib/certificates/sentence';
import type { FormState } from '@/lib/forms/state';
import { acmeAction, activateAction, createCaAction, csrAction, importAction, issueAction, issueSmimeAction, uploadAction } from './actions';

// The certificate forms: each posts to its Server Action and shows field errors
// next to the field (aria-live) and the outcome below.

type CheckView = { name: string; ok: boolean; reason?: string; detail: string };

function Outcome({ state }: { state: FormState<unknown> }) {
  return (
    <Alert tone={state.ok ? 'ok' : 'danger'} className="mt-3">
      {state.message}
    </Alert>
  );
}

function KeySelect({ id, error, defaultValue = 'ec-p256', rsaOnly = false }: { id: string; error?: string; defaultValue?: string; rsaOnly?: boolean }) {
  return (
    <Field id={id} label="Key type" error={error} hint={rsaOnly ? 'RSA: S/MIME needs key encipherment.' : 'ECDSA P-256 is fast and widely supported; RSA for old clients.'}>
      {(a) => (
        <Select {...a} name="keySpec" defaultValue={defaultValue}>
          {rsaOnly ? null : <option value="ec-p256">ECDSA P-256</option>}
          <option value="rsa-3072">RSA 3072</option>
          <option value="rsa-4096">RSA 4096</option>
        </Select>
      )}
    </Field>
  );
}

export function CaForm() {
  const { state, action, onSubmit, pending } = useFormAction(createCaAction, {});
  const e = state.fieldErrors ?? {};
  const v = state.values ?? {};
  if (state.ok) {
    return (
      <Card>
        <Outcome state={state} />
        <p className="mt-3 flex gap-4 text-sm">
          <Link className="text-accent hover:underline" href="/certificates">Back to certificates</Link>
          <Link className="text-accent hover:underline" href="/certificates/issue">Issue a server certificate</Link>
        </p>
      </Card>
    );
  }
  return (
    <Card>
      <form action={action} onSubmit={onSubmit} className="grid gap-4 md:grid-cols-2" noValidate>
        <Field id="ca-cn" label="Common name" error={e.commonName} hint="e.g. Example Mail CA">
          {(a) => <Input {...a} name="commonName" defaultValue={v.commonName} required />}
        </Field>
        <Field id="ca-o" label="Organization" error={e.organization}>
          {(a) => <Input {...a} name="organization" defaultValue={v.organization} />}
        </Field>
        <Field id="ca-ou" label="Organizational unit" error={e.organizationalUnit}>
          {(a) => <Input {...a} name="organizationalUnit" defaultValue={v.organizationalUnit} />}
        </Field>
        <Field id="ca-c" label="Country (2 letters)" error={e.country}>
          {(a) => <Input {...a} name="country" maxLength={2} defaultValue={v.country} />}
        </Field>
        <Field id="ca-st" label="State / province" error={e.state}>
          {(a) => <Input {...a} name="state" defaultValue={v.state} />}
        </Field>
        <Field id="ca-l" label="Locality" error={e.locality}>
          {(a) => <Input {...a} name="locality" defaultValue={v.locality} />}
        </Field>
        <KeySelect id="ca-key" error={e.keySpec} defaultValue={v.keySpec} />
        <Field id="ca-days" label="Validity (days)" error={e.validityDays}>
          {(a) => <Input {...a} name="validityDays" type="number" min={1} defaultValue={v.validityDays ?? '3650'} />}
        </Field>
        <Field id="ca-int" label="Intermediate CA (optional)" error={e['intermediate.commonName']} hint="If set, the root gets path length 1 and this intermediate (path length 0) issues all certificates.">
          {(a) => <Input {...a} name="intermediateCommonName" defaultValue={v.intermediateCommonName} placeholder="Example Mail Issuing CA" />}
        </Field>
        <Field id="ca-crl" label="Panel URL for the CRL (optional)" error={e.crlBaseUrl} hint="Written into every certificate's CRL distribution point; default http://POSTERN_HOSTNAME:PORT.">
          {(a) => <Input {...a} name="crlBaseUrl" type="url" defaultValue={v.crlBaseUrl} placeholder="https://mail.example.org" />}
        </Field>
        <div className="md:col-span-2">
          <SubmitButton pending={pending} pendingText="Creating…">Create CA</SubmitButton>
          <Outcome state={state} />
        </div>
      </form>
    </Card>
  );
}

export function IssueForm({ cas, defaultHosts }: { cas: { id: string; name: string }[]; defaultHosts: string }) {
  const { state, action, onSubmit, pending } = useFormAction(issueAction, {});
  const e = state.fieldErrors ?? {};
  const v = state.values ?? {};
  return (
    <Card>
      <form action={action} onSubmit={onSubmit} className="grid gap-4 md:grid-cols-2" noValidate>
        <Field id="issue-hosts" label="Host names" error={e.hosts} hint="MX, submission and IMAP names, separated by commas. *.example.org wildcards are allowed." className="md:col-span-2">
          {(a) => <Input {...a} name="hosts" defaultValue={v.hosts ?? defaultHosts} required />}
        </Field>
        <KeySelect id="issue-key" error={e.keySpec} defaultValue={v.keySpec} />
        <Field id="issue-days" label="Validity (days)" error={e.validityDays} hint="At most 825; 397 is what browsers accept from public CAs.">
          {(a) => <Input {...a} name="validityDays" type="number" min={1} max={825} defaultValue={v.validityDays ?? '397'} />}
        </Field>
        <Field id="issue-ca" label="Issuing CA" error={e.caId}>
          {(a) => (
            <Select {...a} name="caId" defaultValue={v.caId ?? ''}>
              <option value="">the newest issuing CA</option>
              {cas.map((c) => (
                <option key={c.id} value={c.id}>{c.name}</option>
              ))}
            </Select>
          )}
        </Field>
        <Checkbox name="activate" label="Activate at once" className="mt-7" />
        <fieldset className="md:col-span-2">
          <legend className="text-sm font-medium">Served on (none ticked: all listeners)</legend>
          <div className="mt-1 flex gap-4">
            <Checkbox name="services" value="smtp" label="SMTP (MX)" />
            <Checkbox name="services" value="submission" label="Submission" />
            <Checkbox name="services" value="imap" label="IMAP" />
          </div>
          <p className="text-sm text-danger" aria-live="polite">{e.services ?? ''}</p>
        </fieldset>
        <div className="md:col-span-2">
          <SubmitButton pending={pending} pendingText="Issuing…">Issue certificate</SubmitButton>
          <Outcome state={state} />
          {state.ok && state.data ? <Link className="text-sm text-accent hover:underline" href={`/certificates/${state.data.id}`}>View it</Link> : null}
        </div>
      </form>
    </Card>
  );
}

export function CsrForm() {
  const { state, action, onSubmit, pending } = useFormAction(csrAction, {});
  const e = state.fieldErrors ?? {};
  const v = state.values ?? {};
  return (
    <Card>
      <h2 className="mb-3 text-base font-semibold">1. Generate a key and a CSR</h2>
      <form action={action} onSubmit={onSubmit} className="grid gap-4 md:grid-cols-2" noValidate>
        <Field id="csr-hosts" label="Host names" error={e.hosts} className="md:col-span-2">
          {(a) => <Input {...a} name="hosts" defaultValue={v.hosts} placeholder="mail.example.org, imap.example.org" required />}
        </Field>
        <KeySelect id="csr-key" error={e.keySpec} defaultValue={v.keySpec} />
        <Field id="csr-o" label="Organization (optional)" error={e.organization}>
          {(a) => <Input {...a} name="organization" defaultValue={v.organization} />}
        </Field>
        <div className="md:col-span-2">
          <SubmitButton pending={pending} pendingText="Generating…">Generate CSR</SubmitButton>
          <Outcome state={state} />
        </div>
      </form>
      {state.ok && state.data ? (
        <div className="mt-3 space-y-2">
          <Textarea readOnly rows={10} className="font-mono text-xs" aria-label="CSR (PEM)" value={state.data.csrPem} />
          <a className="text-sm text-accent hover:underline" href={`/certificates/${state.data.id}/pem?kind=csr`} download>
            Download request.csr
          </a>
        </div>
      ) : null}
    </Card>
  );
}

/** What each check of lib/certificates/checks.ts looks at, in the admin's words. */
const CHECK_LABELS: Record<string, string> = {
  pem: 'Readable certificate and key',
  key_match: 'Key belongs to the certificate',
  chain_order: 'Chain order',
  chain_signature: 'Chain signatures',
  validity: 'Validity dates',
  host_coverage: 'Host names covered',
  key_strength: 'Key strength',
  server_usage: 'Usable as a mail server certificate',
};

function Checks({ checks }: { checks?: CheckView[] }) {
  if (!checks?.length) return null;
  return (
    <ul className="mt-3 space-y-1 text-sm" aria-label="Checks">
      {checks.map((c) => (
        <li key={c.name} data-check={c.name} data-ok={c.ok}>
          <span className={c.ok ? 'text-ok' : 'text-danger'} aria-hidden="true">{c.ok ? '✓' : '✗'}</span>{' '}
          <span className="font-medium">{CHECK_LABELS[c.name] ?? c.name}</span>
          <span className="sr-only">{c.ok ? ' passed' : ' failed'}</span>: {sentence(c.detail)}
        </li>
      ))}
    </ul>
  );
}

export function ImportForm({ requests }: { requests: { id: string; hosts: string[] }[] }) {
  const { state, action, onSubmit, pending } = useFormAction(importAction, {});
  const e = state.fieldErrors ?? {};
  return (
    <Card>
      <h2 className="mb-3 text-base font-semibold">2. Import the signed certificate</h2>
      {state.ok ? (
        <div className="mb-4">
          <Outcome state={state} />
          <Checks checks={(state.data as { checks?: CheckView[] } | undefined)?.checks} />
          <Link className="text-sm text-accent hover:underline" href="/certificates">Back to certificates</Link>
        </div>
      ) : null}
      {requests.length === 0 ? (
        <p className="text-sm text-muted">No request is waiting for its certificate.</p>
      ) : (
        <form action={action} onSubmit={onSubmit} className="space-y-4" noValidate>
          <Field id="import-id" label="Pending request" error={e.id}>
            {(a) => (
              <Select {...a} name="id">
                {requests.map((p) => (
                  <option key={p.id} value={p.id}>{p.hosts.join(', ')} ({p.id.slice(0, 8)})</option>
                ))}
              </Select>
            )}
          </Field>
          <Field id="import-cert" label="Signed certificate, then the chain (PEM)" error={e.certPem} hint="Paste, or choose a file below.">
            {(a) => <Textarea {...a} name="certPem" rows={8} className="font-mono text-xs" />}
          </Field>
          <input type="file" name="certPemFile" accept=".pem,.crt,.cer" aria-label="Certificate file" className="text-sm" />
          <SubmitButton pending={pending} pendingText="Checking…">Import</SubmitButton>
          {state.ok === false ? (
            <>
              <Outcome state={state} />
              <Checks checks={(state.data as { checks?: CheckView[] } | undefined)?.checks} />
            </>
          ) : null}
        </form>
      )}
    </Card>
  );
}

export function UploadForm({ defaultHosts }: { defaultHosts: string }) {
  const { state, action, onSubmit, pending } = useFormAction(uploadAction, {});
  const e = state.fieldErrors ?? {};
  const v = state.values ?? {};
  return (
    <Card>
      <form action={action} onSubmit={onSubmit} className="space-y-4" noValidate>
        <Field id="up-cert" label="Certificate (PEM; may include the chain)" error={e.certPem}>
          {(a) => <Textarea {...a} name="certPem" rows={6} className="font-mono text-xs" defaultValue={v.certPem} />}
        </Field>
        <input type="file" name="certPemFile" accept=".pem,.crt,.cer" aria-label="Certificate file" className="text-sm" />
        <Field id="up-chain" label="Chain (PEM, issuer first; optional)" error={e.chainPem}>
          {(a) => <Textarea {...a} name="chainPem" rows={4} className="font-mono text-xs" defaultValue={v.chainPem} />}
        </Field>
        <input type="file" name="chainPemFile" accept=".pem,.crt" aria-label="Chain file" className="text-sm" />
        <Field id="up-key" label="Private key (PEM, unencrypted)" error={e.keyPem} hint="Sealed with the master key as soon as it arrives; never shown again.">
          {(a) => <Textarea {...a} name="keyPem" rows={4} className="font-mono text-xs" autoComplete="off" />}
        </Field>
        <input type="file" name="keyPemFile" accept=".pem,.key" aria-label="Key file" className="text-sm" />
        <Field id="up-hosts" label="Names it must cover" error={e.hosts}>
          {(a) => <Input {...a} name="hosts" defaultValue={v.hosts ?? defaultHosts} />}
        </Field>
        <SubmitButton pending={pending} pendingText="Checking…">Check and upload</SubmitButton>
        <Outcome state={state} />
        <Checks checks={(state.data as { checks?: CheckView[] } | undefined)?.checks} />
      </form>
    </Card>
  );
}

export function AcmeForm({ defaultHosts }: { defaultHosts: string }) {
  const { state, action, onSubmit, pending } = useFormAction(acmeAction, {});
  const e = state.fieldErrors ?? {};
  const v = state.values ?? {};
  return (
    <Card>
      <form action={action} onSubmit={onSubmit} className="grid gap-4 md:grid-cols-2" noValidate>
        <Field id="acme-hosts" label="Host names" error={e.hosts} hint="Each must reach this panel on port 80 (HTTP-01). No wildcards." className="md:col-span-2">
          {(a) => <Input {...a} name="hosts" defaultValue={v.hosts ?? defaultHosts} required />}
        </Field>
        <Field id="acme-email" label="Contact e-mail" error={e.email}>
          {(a) => <Input {...a} name="email" type="email" defaultValue={v.email} required />}
        </Field>
        <Field id="acme-dir" label="ACME directory" error={e.directoryUrl} hint="Let's Encrypt by default; staging: https://acme-staging-v02.api.letsencrypt.org/directory">
          {(a) => <Input {...a} name="directoryUrl" type="url" defaultValue={v.directoryUrl ?? 'https://acme-v02.api.letsencrypt.org/directory'} />}
        </Field>
        <KeySelect id="acme-key" error={e.keySpec} defaultValue={v.keySpec} />
        <Checkbox name="activate" label="Activate at once" className="mt-7" />
        <div className="md:col-span-2">
          <SubmitButton pending={pending} pendingText="Ordering… (the CA is checking the challenge)">Order certificate</SubmitButton>
          <Outcome state={state} />
        </div>
      </form>
    </Card>
  );
}

export function ActivateButton({ id }: { id: string }) {
  const { state, action, onSubmit, pending } = useFormAction(activateAction, {});
  // The refusal of activate-certificate.ts (TLSA_MISMATCH_FIELD): DANE records do not match the new key.
  const tlsa = state.fieldErrors?.tlsa;
  return (
    <>
      <form action={action} onSubmit={onSubmit} className="inline">
        <input type="hidden" name="id" value={id} />
        <SubmitButton pending={pending} size="sm" pendingText="Activating…">Activate</SubmitButton>
        {!tlsa && state.message ? <span role={state.ok ? 'status' : 'alert'} className={state.ok ? 'ml-2 text-xs text-ok' : 'ml-2 text-xs text-danger'}>{state.message}</span> : null}
      </form>
      {tlsa ? (
        <form action={action} onSubmit={onSubmit} className="ml-auto mt-2 flex max-w-md flex-col items-end gap-2">
          <input type="hidden" name="id" value={id} />
          <input type="hidden" name="confirmTlsaMismatch" value="on" />
          <span role="alert" className="break-all text-left text-xs text-danger">{tlsa}</span>
          <SubmitButton pending={pending} size="sm" variant="danger" pendingText="Activating…">Activate anyway</SubmitButton>
        </form>
      ) : null}
    </>
  );
}

export function SmimeIssueForm() {
  const { state, action, onSubmit, pending } = useFormAction(issueSmimeAction, {});
  const e = state.fieldErrors ?? {};
  const v = state.values ?? {};
  return (
    <Card>
      <h2 className="mb-3 text-base font-semibold">Issue for a mailbox</h2>
      <form action={action} onSubmit={onSubmit} className="flex flex-wrap items-start gap-4" noValidate>
        <Field id="smime-address" label="Mailbox address" error={e.address} className="min-w-64 flex-1">
          {(a) => <Input {...a} name="address" defaultValue={v.address} placeholder="alice@example.org" required />}
        </Field>
        <KeySelect id="smime-key" error={e.keySpec} defaultValue={v.keySpec ?? 'rsa-3072'} rsaOnly />
        <Field id="smime-days" label="Validity (days)" error={e.validityDays}>
          {(a) => <Input {...a} name="validityDays" type="number" min={1} max={1825} defaultValue={v.validityDays ?? '730'} />}
        </Field>
        <SubmitButton pending={pending} className="mt-6" pendingText="Issuing…">Issue S/MIME certificate</SubmitButton>
      </form>
      <Outcome state={state} />
    </Card>
  );
}
