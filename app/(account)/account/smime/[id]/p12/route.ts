import { db } from '@/lib/dal/db';
import { currentMailUser } from '@/lib/dal/mail-user';
import { jsonError } from '@/lib/dal/route';
import { isServiceError } from '@/lib/errors';
import { exportOwnSmime } from '@/lib/self-service';

// The owner's .p12: POST (the password is a form field, never in a URL), same-origin only,
// a mailbox owner's session only (an admin's is refused: admins export at /certificates/smime).
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const user = await currentMailUser();
  if (!user) return jsonError(401, 'unauthorized', 'sign in first');
  const origin = req.headers.get('origin');
  if (origin && new URL(origin).host !== (req.headers.get('x-forwarded-host') ?? req.headers.get('host'))) {
    return jsonError(403, 'forbidden', 'cross-site request refused');
  }
  const { id } = await params;
  const form = await req.formData();
  try {
    const { filename, data } = await exportOwnSmime(db(), user, { id, password: String(form.get('password') ?? ''), legacy: form.get('legacy') === 'on' });
    return new Response(new Uint8Array(data), {
      headers: { 'content-type': 'application/x-pkcs12', 'content-disposition': `attachment; filename="${filename}"`, 'cache-control': 'no-store' },
    });
  } catch (err) {
    // The export refuses with a field error (a short password, an unknown or revoked certificate); anything else is a 500.
    if (isServiceError(err)) return jsonError(err.code === 'not_found' ? 404 : 400, err.code, err.message, err.field);
    throw err;
  }
}
