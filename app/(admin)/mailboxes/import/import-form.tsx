'use client';

import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import { Table, Td, Th } from '@/components/ui/table';
import { toCsv } from '@/lib/forms/csv';
import type { FormState } from '@/lib/forms/state';
import type { Imported, Preview } from './types';

type Action<T> = (state: FormState<T>, formData: FormData) => Promise<FormState<T>>;

/**
 * Two steps: the file is checked row by row (nothing written), then imported. The
 * checked text travels back with the import so what is imported is exactly what was
 * shown. Generated passwords exist only in this page's memory, offered once as a CSV.
 */
export function ImportForm({ dryRun, runImport }: { dryRun: Action<Preview>; runImport: Action<Imported> }) {
  const { state: checked, action: checkAction, onSubmit: onCheck, pending: checking } = useFormAction(dryRun, {} as FormState<Preview>);
  const { state: imported, action: importAction, onSubmit: onImport, pending: importing } = useFormAction(runImport, {} as FormState<Imported>);
  const [downloaded, setDownloaded] = useState<number | undefined>(undefined);
  const [allRows, setAllRows] = useState(false);
  const preview = checked.data;
  // Long files: show the rows that need attention first.
  const onlyProblems = Boolean(preview && preview.invalid > 0 && preview.rows.length > 20 && !allRows);
  const shownRows = preview ? (onlyProblems ? preview.rows.filter((r) => r.problems.length) : preview.rows) : [];

  if (imported.ok && imported.data) {
    const result = imported.data;
    const withPasswords = result.created.filter((c) => c.password);
    const offered = downloaded !== imported.done && withPasswords.length > 0;
    return (
      <div className="space-y-4">
        <Alert tone="ok">{imported.message}</Alert>
        {offered ? (
          <div className="rounded-lg border border-warn bg-warn-bg p-4 text-sm">
            <p className="font-medium text-warn">
              {withPasswords.length} password{withPasswords.length === 1 ? ' was' : 's were'} generated. Download them now: they are not stored anywhere and this
              is the only time they are shown.
            </p>
            <Button
              className="mt-3"
              onClick={() => {
                const blob = new Blob([toCsv(['address', 'password'], withPasswords.map((c) => [c.address, c.password]))], { type: 'text/csv' });
                const url = URL.createObjectURL(blob);
                const a = document.createElement('a');
                a.href = url;
                a.download = `postern-passwords-${new Date().toISOString().slice(0, 10)}.csv`;
                a.click();
                URL.revokeObjectURL(url);
                setDownloaded(imported.done);
              }}
            >
              Download passwords (CSV)
            </Button>
          </div>
        ) : withPasswords.length ? (
          <p className="text-sm text-muted">The generated passwords were downloaded and are no longer held by this page.</p>
        ) : null}
        <Table aria-label="Created mailboxes">
          <thead>
            <tr>
              <Th>Created</Th>
            </tr>
          </thead>
          <tbody>
            {result.created.map((c) => (
              <tr key={c.address}>
                <Td className="font-mono">{c.address}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
        {/* A fresh page load, so no password stays in this page's memory. */}
        <Button variant="secondary" onClick={() => window.location.reload()}>
          Import another file
        </Button>
      </div>
    );
  }

  return (
    <div className="space-y-6">
      <form action={checkAction} onSubmit={onCheck} className="space-y-3" aria-label="Check a CSV file">
        <div className="space-y-1">
          <label htmlFor="csv-file" className="block text-sm font-medium">
            CSV file
          </label>
          <input
            id="csv-file"
            name="file"
            type="file"
            accept=".csv,text/csv,text/plain"
            aria-describedby="csv-file-hint csv-file-error"
            className="block text-sm file:mr-3 file:rounded-md file:border file:border-border file:bg-surface file:px-3 file:py-1.5 file:text-sm"
          />
          <p id="csv-file-hint" className="text-xs text-muted">
            A header row, then one mailbox per line: <code>address,name,quota,password</code>. Name, quota (e.g. 2G; empty = the policy default) and
            password (empty = generated) may be left empty. Up to 10,000 rows.
          </p>
        </div>
        <details className="text-sm">
          <summary className="cursor-pointer text-muted">…or paste the CSV text</summary>
          <label htmlFor="csv-text" className="sr-only">
            CSV text
          </label>
          <textarea
            id="csv-text"
            name="text"
            rows={6}
            spellCheck={false}
            className="mt-2 block w-full rounded-md border border-border bg-surface px-3 py-2 font-mono text-xs"
            placeholder={'address,name,quota,password\nalice@example.org,Alice Liddell,2G,\nbob@example.org,Bob,,'}
          />
        </details>
        <p id="csv-file-error" aria-live="polite" className="text-sm text-danger" data-field-error="file">
          {checked.fieldErrors?.file ?? ''}
        </p>
        {!checked.fieldErrors?.file ? <Alert tone={checked.ok ? 'ok' : 'danger'}>{checked.ok ? undefined : checked.message}</Alert> : null}
        <SubmitButton variant={preview ? 'secondary' : 'primary'} pendingText="Checking…" pending={checking}>
          {preview ? 'Check again' : 'Check (dry run)'}
        </SubmitButton>
      </form>

      {preview && !checking ? (
        <section aria-labelledby="preview-title" className="space-y-3">
          <h2 id="preview-title" className="text-lg font-semibold">
            Dry run: {preview.valid} to create, {preview.invalid} with problems
          </h2>
          {preview.invalid > 0 && preview.rows.length > 20 ? (
            <label className="inline-flex items-center gap-2 text-sm">
              <input type="checkbox" checked={allRows} onChange={(e) => setAllRows(e.target.checked)} className="size-4 accent-[var(--color-accent)]" />
              Show all {preview.rows.length} rows (now: only the {preview.invalid} with problems)
            </label>
          ) : null}
          <Table aria-label="Dry run, row by row">
            <thead>
              <tr>
                <Th className="w-16">Line</Th>
                <Th>Address</Th>
                <Th>Name</Th>
                <Th>Quota</Th>
                <Th>Password</Th>
                <Th>Result</Th>
              </tr>
            </thead>
            <tbody>
              {shownRows.map((row) => (
                <tr key={row.line} data-import-line={row.line} data-status={row.problems.length ? 'error' : 'ok'} className={row.problems.length ? 'bg-danger-bg/40' : undefined}>
                  <Td className="tabular-nums">{row.line}</Td>
                  <Td className="font-mono break-all">{row.address || '—'}</Td>
                  <Td>{row.name ?? '—'}</Td>
                  <Td>{row.quota}</Td>
                  <Td>{row.password === 'generated' ? 'generated' : 'from file'}</Td>
                  <Td>
                    {row.problems.length ? (
                      <ul className="text-danger">
                        {row.problems.map((p) => (
                          <li key={p}>{p}</li>
                        ))}
                      </ul>
                    ) : (
                      <Badge tone="ok">will be created</Badge>
                    )}
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>

          <form action={importAction} onSubmit={onImport} className="flex flex-wrap items-center gap-3">
            <input type="hidden" name="csv" value={preview.csv} />
            {preview.invalid === 0 ? (
              <SubmitButton pendingText="Importing…" pending={importing}>
                Import {preview.valid} mailbox{preview.valid === 1 ? '' : 'es'}
              </SubmitButton>
            ) : (
              <p className="text-sm text-muted" role="status">
                The import is all or nothing: fix the {preview.invalid} row{preview.invalid === 1 ? '' : 's'} with problems in the file, then check it again.
              </p>
            )}
          </form>
          <Alert>{imported.ok === false ? imported.message : undefined}</Alert>
        </section>
      ) : null}
    </div>
  );
}
