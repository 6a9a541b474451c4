import type { Metadata } from 'next';
import QRCode from 'qrcode';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getAccountTotp } from '@/lib/dal/account';
import { BeginForm, ConfirmForm, DisableForm } from './forms';

export const metadata: Metadata = { title: 'Two-factor authentication' };

export default async function SecurityPage() {
  const status = await getAccountTotp();
  const pending = status.pending;
  const qr = pending ? await QRCode.toDataURL(pending.uri, { margin: 1, width: 240, errorCorrectionLevel: 'M' }) : null;
  return (
    <>
      <PageHeader
        title="Two-factor authentication"
        description="Optional: signing in here also asks for a code from an authenticator app (RFC 6238 TOTP). Mail clients are not asked; they use app passwords. Lost your phone? Your administrator's password reset removes it."
      />
      <Card className="space-y-4">
        {status.enabled ? (
          <>
            <p className="text-sm" data-testid="totp-on">
              On: signing in asks for a code from your app.
            </p>
            <DisableForm />
          </>
        ) : pending && qr ? (
          <div className="space-y-4">
            {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL made on the server, nothing to optimise */}
            <img src={qr} alt="QR code for your authenticator app" width={240} height={240} />
            <p className="text-sm">
              Or type the key: <code className="font-mono" data-testid="totp-secret">{pending.secret}</code>
            </p>
            <ConfirmForm />
          </div>
        ) : (
          <BeginForm />
        )}
      </Card>
    </>
  );
}
