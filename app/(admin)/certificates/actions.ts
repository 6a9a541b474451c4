'use server';

import { revalidatePath } from 'next/cache';
import type { z } from 'zod';
import {
  CertificateCheckError, acmeSchema, activateCertificate, createCa, deleteCertificate, rotateCertificate, createCaSchema, createCsr, createCsrSchema, importSignedCertificate,
  importSignedSchema, issueServerCertificate, issueServerSchema, issueSmimeCertificate, issueSmimeSchema, requestAcmeCertificate,
  revokeServerCertificate, revokeSmimeCertificate, revokeSchema, uploadCertificate, uploadSchema, type CheckResult,
} from '@/lib/certificates';
import { TLSA_MISMATCH_FIELD } from '@/lib/certificates/activate-certificate';
import { db } from '@/lib/dal/db';
import { isServiceError } from '@/lib/errors';
import { requireAdmin, type AdminActor } from '@/lib/dal/session';
import { echo, fromError, fromZodError, success, type FormState } from '@/lib/forms/state';

// Thin Server Actions: requireAdmin() → zod (the service's own schema) → the
// service in lib/certificates (which enforces scope again) → revalidatePath.

const text = (f: FormData, k: string) => {
  const v = f.get(k);
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
};
/** The submitted text fields minus private keys: a key is never sent back to the browser. */
const echoSafe = (f: FormData) => {
  const values = echo(f);
  delete values.keyPem;
  return values;
};
const hosts = (f: FormData) => (text(f, 'hosts') ?? '').split(/[\s,]+/).filter(Boolean);

/** "Activate at once": a TLSA refusal leaves the new certificate pending and says why, instead of hiding that it was issued. */
async function activateAtOnce(admin: AdminActor, id: string): Promise<string | null> {
  try {
    await activateCertificate(db(), admin, id);
    return null;
  } catch (err) {
    if (isServiceError(err) && err.field === TLSA_MISMATCH_FIELD) return err.message;
    throw err;
  }
}

async function act<S extends z.ZodType, T>(
  formData: FormData,
  schema: S,
  input: unknown,
  work: (admin: AdminActor, data: z.output<S>) => Promise<FormState<T>>,
): Promise<FormState<T>> {
  const admin = await requireAdmin();
  const parsed = schema.safeParse(input);
  if (!parsed.success) return { ...fromZodError(parsed.error), values: echoSafe(formData) };
  try {
    const state = await work(admin, parsed.data);
    revalidatePath('/certificates');
    revalidatePath('/');
    return state;
  } catch (err) {
    if (err instanceof CertificateCheckError) {
      return { ok: false, message: err.message, fieldErrors: { [err.field ?? 'certPem']: err.message }, data: { checks: err.checks } as T, values: echoSafe(formData) };
    }
    return { ...fromError(err), values: echoSafe(formData) };
  }
}

export async function createCaAction(_prev: FormState, f: FormData): Promise<FormState<{ id: string }>> {
  const intermediate = text(f, 'intermediateCommonName');
  return act(f, createCaSchema, {
    commonName: text(f, 'commonName') ?? '', organization: text(f, 'organization'), organizationalUnit: text(f, 'organizationalUnit'),
    country: text(f, 'country'), state: text(f, 'state'), locality: text(f, 'locality'), keySpec: text(f, 'keySpec'),
    validityDays: text(f, 'validityDays'), crlBaseUrl: text(f, 'crlBaseUrl'),
    intermediate: intermediate ? { commonName: intermediate } : undefined,
  }, async (admin, input) => {
    const ca = await createCa(db(), admin, input);
    return success(`Created the CA "${ca.name}"${ca.intermediate ? ` and its intermediate "${ca.intermediate.name}"` : ''}.`, { id: ca.id });
  });
}

export async function issueAction(_prev: FormState, f: FormData): Promise<FormState<{ id: string }>> {
  const services = f.getAll('services').map(String);
  return act(f, issueServerSchema, { hosts: hosts(f), keySpec: text(f, 'keySpec'), validityDays: text(f, 'validityDays'), caId: text(f, 'caId'), services }, async (admin, input) => {
    const r = await issueServerCertificate(db(), admin, input);
    const refused = f.get('activate') === 'on' ? await activateAtOnce(admin, r.id) : null;
    if (refused) return success(`Issued a certificate for ${r.hosts.join(', ')}, not activated: ${refused}.`, { id: r.id });
    return success(`Issued a certificate for ${r.hosts.join(', ')}${f.get('activate') === 'on' ? ' and activated it' : ' (pending: activate it to serve it)'}.`, { id: r.id });
  });
}

export async function csrAction(_prev: FormState, f: FormData): Promise<FormState<{ id: string; csrPem: string }>> {
  return act(f, createCsrSchema, { hosts: hosts(f), keySpec: text(f, 'keySpec'), organization: text(f, 'organization'), country: text(f, 'country') }, async (admin, input) => {
    const r = await createCsr(db(), admin, input);
    return success(`Created a key and a CSR for ${r.hosts.join(', ')}. Send the CSR to your CA, then import its answer below.`, { id: r.id, csrPem: r.csrPem });
  });
}

export async function importAction(_prev: FormState, f: FormData): Promise<FormState<{ checks?: CheckResult[] }>> {
  return act(f, importSignedSchema, { id: text(f, 'id'), certPem: await fileOrText(f, 'certPem') }, async (admin, input) => {
    const r = await importSignedCertificate(db(), admin, input);
    return success(`Imported the signed certificate for ${r.hosts.join(', ')}.`, { checks: r.checks });
  });
}

async function fileOrText(f: FormData, key: string): Promise<string | undefined> {
  const file = f.get(`${key}File`);
  if (file && typeof file !== 'string' && file.size > 0) {
    if (file.size > 256 * 1024) return 'x'.repeat(256 * 1024 + 1);
    return file.text();
  }
  return text(f, key);
}

export async function uploadAction(_prev: FormState, f: FormData): Promise<FormState<{ checks?: CheckResult[] }>> {
  const input = {
    certPem: await fileOrText(f, 'certPem'),
    chainPem: await fileOrText(f, 'chainPem'),
    keyPem: await fileOrText(f, 'keyPem'),
    hosts: text(f, 'hosts') ? hosts(f) : undefined,
  };
  return act(f, uploadSchema, input, async (admin, data) => {
    const r = await uploadCertificate(db(), admin, data);
    return success(`Uploaded the certificate for ${r.hosts.join(', ')}: every check passed.`, { checks: r.checks });
  });
}

export async function acmeAction(_prev: FormState, f: FormData): Promise<FormState<{ id: string }>> {
  return act(f, acmeSchema, { hosts: hosts(f), email: text(f, 'email') ?? '', directoryUrl: text(f, 'directoryUrl'), keySpec: text(f, 'keySpec') }, async (admin, input) => {
    const r = await requestAcmeCertificate(db(), admin, input);
    const refused = f.get('activate') === 'on' ? await activateAtOnce(admin, r.id) : null;
    if (refused) return success(`Obtained a certificate for ${r.hosts.join(', ')} over ACME, not activated: ${refused}.`, { id: r.id });
    return success(`Obtained a certificate for ${r.hosts.join(', ')} over ACME${f.get('activate') === 'on' ? ' and activated it' : ''}.`, { id: r.id });
  });
}

export async function activateAction(_prev: FormState, f: FormData): Promise<FormState> {
  const admin = await requireAdmin();
  try {
    // "Activate anyway": the admin saw that no published TLSA record matches the new key.
    const r = await activateCertificate(db(), admin, String(f.get('id') ?? ''), new Date(), { confirmTlsaMismatch: f.get('confirmTlsaMismatch') === 'on' });
    revalidatePath('/certificates');
    revalidatePath('/');
    return success(`Activated: the daemons serve it within seconds${r.retired.length ? `; retired ${r.retired.length} other(s)` : ''}.`);
  } catch (err) {
    return fromError(err);
  }
}

export async function rotateAction(_prev: FormState, f: FormData): Promise<FormState> {
  const admin = await requireAdmin();
  try {
    const r = await rotateCertificate(db(), admin, String(f.get('id') ?? ''));
    revalidatePath('/certificates');
    revalidatePath('/');
    return success(`Rotated: a new certificate for ${r.hosts.join(', ')} (valid until ${r.notAfter.toISOString().slice(0, 10)}) is active; the old one is retired.`);
  } catch (err) {
    return fromError(err);
  }
}

export async function deleteAction(_prev: FormState, f: FormData): Promise<FormState> {
  const admin = await requireAdmin();
  try {
    const r = await deleteCertificate(db(), admin, String(f.get('id') ?? ''));
    revalidatePath('/certificates');
    return success(`Deleted the retired certificate for ${r.hosts.join(', ')}.`);
  } catch (err) {
    return fromError(err);
  }
}

export async function revokeAction(_prev: FormState, f: FormData): Promise<FormState> {
  return act(f, revokeSchema, { id: text(f, 'id'), reason: text(f, 'reason') }, async (admin, input) => {
    const r = await revokeServerCertificate(db(), admin, input);
    return success(`Revoked serial ${r.serial}; it is listed in the CA's CRL.`);
  });
}

export async function issueSmimeAction(_prev: FormState, f: FormData): Promise<FormState<{ id: string }>> {
  return act(f, issueSmimeSchema, { address: text(f, 'address') ?? '', keySpec: text(f, 'keySpec'), validityDays: text(f, 'validityDays') }, async (admin, input) => {
    const r = await issueSmimeCertificate(db(), admin, input);
    revalidatePath('/certificates/smime');
    return success(`Issued an S/MIME certificate for ${r.address}. Download it as .p12 below.`, { id: r.id });
  });
}

export async function revokeSmimeAction(_prev: FormState, f: FormData): Promise<FormState> {
  return act(f, revokeSchema, { id: text(f, 'id'), reason: text(f, 'reason') }, async (admin, input) => {
    const r = await revokeSmimeCertificate(db(), admin, input);
    revalidatePath('/certificates/smime');
    return success(`Revoked serial ${r.serial}.`);
  });
}
