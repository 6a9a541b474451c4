import type { Metadata } from 'next';
import { Badge } from '@/components/ui/badge';
import { Card, CardTitle } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DomainNames } from '@/components/ui/domain-name';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { DEFAULT_TOKEN_DAYS, getApiTokens, MAX_TOKEN_DAYS } from '@/lib/dal/tokens';
import { createTokenAction, revokeTokenAction } from './actions';
import { TokenForm } from './token-form';

export const metadata: Metadata = { title: 'API tokens' };

/** The day, with the time (UTC) on hover: the table stays narrow enough for its actions. */
const day = (d: Date | null) => (d ? <time dateTime={d.toISOString()} title={`${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`}>{d.toISOString().slice(0, 10)}</time> : 'never');

export default async function TokensPage() {
  const { tokens, domains } = await getApiTokens();
  return (
    <>
      <PageHeader
        title="API tokens"
        description="For scripts and monitoring: send Authorization: Bearer <token> to the JSON routes (described at /api/openapi.json) and to /metrics. A token is shown once; only its hash is kept."
      />
      <div className="grid items-start gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <Table aria-label="API tokens">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Scope</Th>
              <Th>State</Th>
              <Th>Last used</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody>
            {tokens.length === 0 ? (
              <tr>
                <Td colSpan={5} className="text-muted">
                  No tokens yet.
                </Td>
              </tr>
            ) : null}
            {tokens.map((t) => (
              <tr key={t.id} data-token-name={t.name} className="align-top">
                <Td className="min-w-40">
                  <span className="break-words font-medium">{t.name}</span>
                  <span className="block text-xs text-muted">
                    <code>{t.prefix}…</code> by <span className="break-all">{t.createdBy}</span>
                  </span>
                </Td>
                <Td>
                  <Badge tone={t.scope === 'full' ? 'warn' : 'neutral'}>{t.scope}</Badge>
                  <span className="mt-1 block text-xs text-muted"><DomainNames names={t.domains} empty="all domains" /></span>
                </Td>
                <Td>
                  <Badge tone={t.state === 'active' ? 'ok' : 'danger'}>{t.state}</Badge>
                  <span className="mt-1 block whitespace-nowrap text-xs text-muted">
                    {t.state === 'revoked' ? <>on {day(t.revokedAt)}</> : <>{t.state === 'expired' ? 'since' : 'until'} {day(t.expiresAt)}</>}
                  </span>
                </Td>
                <Td className="whitespace-nowrap text-sm">{day(t.lastUsedAt)}</Td>
                <Td className="text-right">
                  {t.state !== 'active' ? null : (
                    <ConfirmDialog
                      id={`revoke-${t.id}`}
                      trigger="Revoke"
                      title={`Revoke the token ${t.name}?`}
                      body={<>Requests with it are refused from now on. This cannot be undone; create a new token instead.</>}
                      confirmLabel="Revoke token"
                      action={revokeTokenAction}
                      fields={{ name: t.name }}
                    />
                  )}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
        <Card className="h-fit">
          <CardTitle>New token</CardTitle>
          <div className="mt-3">
            <TokenForm action={createTokenAction} domains={domains} defaultDays={DEFAULT_TOKEN_DAYS} maxDays={MAX_TOKEN_DAYS} />
          </div>
        </Card>
      </div>
    </>
  );
}
