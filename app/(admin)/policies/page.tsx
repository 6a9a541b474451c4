import type { Metadata } from 'next';
import Link from 'next/link';
import { PolicyImpactPreview } from '@/components/tls/policy-impact';
import { buttonClass } from '@/components/ui/button';
import { DomainName, idnDisplay } from '@/components/ui/domain-name';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Select } from '@/components/ui/input';
import { PageHeader } from '@/components/ui/page-header';
import { getPolicyEditor } from '@/lib/dal/policies';
import { clearOverridesAction, savePolicyAction } from './actions';
import { policyToFormValues } from './parse';
import { PolicyForm } from './policy-form';

export const metadata: Metadata = { title: 'Policies' };

export default async function PoliciesPage({ searchParams }: { searchParams: Promise<{ domain?: string }> }) {
  const { domain: domainParam } = await searchParams;
  const { domains, domain, editing, globalEffective, domainOverride, version } = await getPolicyEditor(domainParam);
  const overrideCount = domainOverride ? Object.keys(policyToFormValues(domainOverride)).length : 0;

  return (
    <>
      <PageHeader
        title="Policies"
        description="Server-wide rules for SMTP, IMAP and the panel. A domain can override any of them; saving applies at once and is recorded in the audit log."
        actions={
          <Link className={buttonClass('secondary', 'sm')} href="/audit?action=policy.">
            Policy changes in the audit log
          </Link>
        }
      />

      <form method="get" className="mb-6 flex flex-wrap items-end gap-2" aria-label="Choose what to edit">
        <div>
          <label htmlFor="policy-scope" className="block text-sm font-medium">
            Editing
          </label>
          <Select id="policy-scope" name="domain" defaultValue={domain?.id ?? ''} className="min-w-64">
            <option value="">Global policy (all domains)</option>
            {domains.map((d) => (
              <option key={d.id} value={d.id}>
                Overrides for {idnDisplay(d.name).text}
              </option>
            ))}
          </Select>
        </div>
        <button type="submit" className={buttonClass('secondary')}>
          Show
        </button>
      </form>

      {domain ? (
        <div className="mb-4 flex flex-wrap items-center justify-between gap-3 rounded-lg border border-border bg-surface-2 p-3 text-sm">
          <p>
            <strong>
              <DomainName name={domain.name} />
            </strong>{' '}
            {overrideCount
              ? `overrides ${overrideCount} setting${overrideCount === 1 ? '' : 's'}; everything else follows the global policy.`
              : 'follows the global policy in everything.'}
          </p>
          {overrideCount ? (
            <ConfirmDialog
              id="clear-overrides"
              trigger="Clear all overrides"
              title={`Clear every override of ${idnDisplay(domain.name).text}?`}
              body="The domain will follow the global policy in everything. This is recorded in the audit log."
              confirmLabel="Clear overrides"
              action={clearOverridesAction}
              fields={{ domainId: domain.id }}
              triggerVariant="secondary"
            />
          ) : null}
        </div>
      ) : null}

      <PolicyForm
        key={domain?.id ?? 'global'}
        version={version}
        action={savePolicyAction}
        scope={domain ? 'domain' : 'global'}
        domainId={domain?.id}
        initial={policyToFormValues(editing)}
        inherited={policyToFormValues(globalEffective)}
      />

      {/* TLS statistics (lib/tls-stats/impact.ts): who the stricter TLS settings would have refused in the last 30 days. */}
      <details className="mt-8" data-testid="policy-tls-impact">
        <summary className="cursor-pointer text-sm font-medium">Before tightening TLS: who would have been refused (last 30 days)</summary>
        <div className="mt-3">
          <PolicyImpactPreview
            change={{
              requireTlsMx: globalEffective.requireTlsMx ? undefined : true,
              minTlsVersion: globalEffective.minTlsVersion === 'TLSv1.3' ? undefined : 'TLSv1.3',
              allowCleartextAuth: globalEffective.allowCleartextAuth ? false : undefined,
            }}
          />
          <Link href="/tls/impact" className="mt-2 inline-block text-sm text-accent hover:underline">
            Choose the settings to preview →
          </Link>
        </div>
      </details>
    </>
  );
}
