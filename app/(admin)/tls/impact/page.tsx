import type { Metadata } from 'next';
import { PolicyImpactPreview } from '@/components/tls/policy-impact';
import { buttonClass } from '@/components/ui/button';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdmin } from '@/lib/dal/session';
import type { ImpactChange } from '@/lib/dal/tls';
import { BackLink } from '@/components/ui/back-link';
import { firstParam } from '@/lib/forms/search-params';

export const metadata: Metadata = { title: 'TLS policy impact' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function ImpactPage({ searchParams }: Props) {
  await requireAdmin();
  const sp = await searchParams;
  const min = firstParam(sp.minTlsVersion);
  const change: ImpactChange = {
    requireTlsMx: firstParam(sp.requireTlsMx) === 'on' || undefined,
    minTlsVersion: min === 'TLSv1.2' || min === 'TLSv1.3' ? min : undefined,
    allowCleartextAuth: firstParam(sp.noCleartextAuth) === 'on' ? false : undefined,
  };
  return (
    <>
      <BackLink href="/tls">TLS</BackLink>
      <PageHeader
        title="Policy impact preview"
        description="Before you tighten the TLS policy: who, in the last 30 days of recorded mail and logins, would have been refused."
      />
      <form method="get" className="mb-6 flex flex-wrap items-center gap-4 text-sm" data-testid="impact-form">
        <label className="flex items-center gap-2">
          <input type="checkbox" name="requireTlsMx" defaultChecked={!!change.requireTlsMx} /> Require TLS on the MX port
        </label>
        <label className="flex items-center gap-2">
          Minimum TLS version
          <select name="minTlsVersion" defaultValue={change.minTlsVersion ?? ''} className="h-9 rounded-md border border-border bg-surface px-2">
            <option value="">(unchanged)</option>
            <option value="TLSv1.2">TLS 1.2</option>
            <option value="TLSv1.3">TLS 1.3</option>
          </select>
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" name="noCleartextAuth" defaultChecked={change.allowCleartextAuth === false} /> No authentication without TLS
        </label>
        <button type="submit" className={buttonClass('primary', 'sm')}>
          Preview
        </button>
      </form>
      <PolicyImpactPreview change={change} />
    </>
  );
}
