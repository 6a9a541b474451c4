import type { Metadata } from 'next';
import QRCode from 'qrcode';
import { Badge } from '@/components/ui/badge';
import { Card, CardTitle } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getMyTotp } from '@/lib/dal/admins';
import { beginTotpAction, confirmTotpAction, disableTotpAction, regenerateCodesAction } from './actions';
import { BeginForm, DisableForm, Enrolment, RegenerateForm } from './totp-forms';
import { BackLink } from '@/components/ui/back-link';

export const metadata: Metadata = { title: 'Two-factor authentication' };

/** "JBSWY3DPEHPK3PXP" → "JBSW Y3DP EHPK 3PXP", easier to type into an app. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

export default async function TotpPage() {
  const status = await getMyTotp();
  const pending = status.pending;
  // Rendered here as a data: URL: the secret never leaves the server in any other form.
  const qr = pending ? await QRCode.toDataURL(pending.uri, { margin: 1, width: 240, errorCorrectionLevel: 'M' }) : null;

  return (
    <>
      <BackLink href="/admins/me">My account</BackLink>
      <PageHeader
        title="Two-factor authentication"
        description="A 6-digit code from an authenticator app (RFC 6238 TOTP — e.g. Aegis, FreeOTP, Google Authenticator, 1Password) in addition to your password."
      />

      {status.enabled ? (
        <div className="grid gap-6 lg:grid-cols-2">
          <Card className="space-y-3">
            <CardTitle>Status</CardTitle>
            <p className="text-sm">
              <Badge tone="ok">on</Badge> Signing in asks for a code. {status.recoveryCodesLeft} unused recovery code
              {status.recoveryCodesLeft === 1 ? '' : 's'} left.
            </p>
            <RegenerateForm action={regenerateCodesAction} />
          </Card>
          <Card className="h-fit space-y-3">
            <CardTitle>Turn off</CardTitle>
            {status.requireTotp ? (
              <p className="text-sm text-muted">The policy requires two-factor authentication for every admin, so it cannot be turned off.</p>
            ) : (
              <DisableForm action={disableTotpAction} />
            )}
          </Card>
        </div>
      ) : pending && qr ? (
        <Enrolment qr={qr} secret={grouped(pending.secret)} verify={confirmTotpAction} begin={beginTotpAction} />
      ) : (
        <Card className="max-w-xl space-y-3">
          <p className="text-sm">
            <Badge tone={status.requireTotp ? 'danger' : 'neutral'}>off</Badge>{' '}
            {status.requireTotp ? 'The policy requires it for every admin.' : 'Recommended for every admin account.'}
          </p>
          <p className="text-sm text-muted">
            You will scan a QR code with your app, type in one code to prove it works, and get ten one-time recovery codes for when your phone is lost.
          </p>
          <BeginForm action={beginTotpAction} label="Set up" />
        </Card>
      )}
    </>
  );
}
