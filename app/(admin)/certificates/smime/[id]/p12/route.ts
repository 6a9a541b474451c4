import { exportSmimePkcs12 } from '@/lib/certificates';
import { db } from '@/lib/dal/db';
import { jsonError, withAdmin } from '@/lib/dal/route';

// The .p12 download: POST (the password is a form field, never in a URL), same-origin only.
export const POST = withAdmin<{ params: Promise<{ id: string }> }>(async (req, { params, admin }) => {
  const origin = req.headers.get('origin');
  if (origin && new URL(origin).host !== (req.headers.get('x-forwarded-host') ?? req.headers.get('host'))) {
    return jsonError(403, 'forbidden', 'cross-site request refused');
  }
  const { id } = await params;
  const form = await req.formData();
  const { filename, data } = await exportSmimePkcs12(db(), admin, {
    id,
    password: String(form.get('password') ?? ''),
    legacy: form.get('legacy') === 'on',
  });
  return new Response(new Uint8Array(data), {
    headers: { 'content-type': 'application/x-pkcs12', 'content-disposition': `attachment; filename="${filename}"`, 'cache-control': 'no-store' },
  });
});
