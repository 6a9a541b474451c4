import fs from 'node:fs';
import https from 'node:https';
import acme from 'acme-client';
import type { Actor } from '@/lib/actor';
import { readEnv } from '@/lib/config/env';
import { audit } from '@/lib/audit';
import type { DbOrTx } from '@/lib/audit/types';
import type { Db } from '@/lib/db/prisma';
import { ServiceError, conflictOnDuplicate } from '@/lib/errors';
import { requireGlobalActor } from './access';
import { checkBundle, type CheckResult } from './checks';
import { keysFor, serverExtensions } from './issue-server-certificate';
import { normalizeHosts } from './hosts';
import { sealKey, unsealKey } from './keys';
import { acmeSchema, parseInput, type AcmeInput } from './schemas';
import { certificateColumns, factsOf, generateKeys, isIpAddress, privateKeyToPem, signingAlgorithm, subjectName, x509, type KeySpec } from './x509';

// ACME (RFC 8555) through acme-client — a maintained, dependency-light client
// (the one Let's Encrypt lists for Node). HTTP-01 only: the key authorization is
// stored in acme_challenges and answered by the panel's public route
// app/.well-known/acme-challenge/[token]. Port 80 of every host name must reach the panel.

const CHALLENGE_TTL_MS = 60 * 60_000;

/**
 * A private ACME CA (step-ca, pebble…) may serve its directory with a certificate
 * from its own root: POSTERN_ACME_CA_FILE names a PEM bundle to trust for it.
 */
function configureTrust(): void {
  const file = readEnv().POSTERN_ACME_CA_FILE;
  acme.axios.defaults.httpsAgent = file ? new https.Agent({ ca: fs.readFileSync(file, 'utf8') }) : undefined;
}

/** What the panel answers at /.well-known/acme-challenge/<token>; null when unknown or expired. */
export async function answerAcmeChallenge(db: DbOrTx, token: string): Promise<string | null> {
  if (!/^[A-Za-z0-9_-]{1,256}$/.test(token)) return null;
  const row = await db.acmeChallenge.findUnique({ where: { token } });
  if (!row || row.expiresAt <= new Date()) return null;
  return row.keyAuthorization;
}

async function accountKey(db: Db, directoryUrl: string, email: string): Promise<{ id: string; keyPem: string; accountUrl: string | null }> {
  const existing = await db.acmeAccount.findUnique({ where: { directoryUrl_email: { directoryUrl, email } } });
  if (existing) return { id: existing.id, keyPem: unsealKey(existing.keySealed), accountUrl: existing.accountUrl };
  const keys = await generateKeys('ec-p256');
  const keyPem = await privateKeyToPem(keys.privateKey);
  const row = await db.acmeAccount.upsert({
    where: { directoryUrl_email: { directoryUrl, email } },
    create: { directoryUrl, email, keySealed: sealKey(keyPem) },
    update: {},
  });
  return { id: row.id, keyPem: unsealKey(row.keySealed), accountUrl: row.accountUrl };
}

export interface AcmeIssued {
  id: string;
  hosts: string[];
  fingerprintSha256: string;
  notAfter: Date;
  checks: CheckResult[];
}

/**
 * Orders a certificate for `hosts` from the ACME directory, answering HTTP-01
 * through the panel; the result is checked like an upload and stored PENDING
 * (source ACME, with the directory and contact kept for automatic renewal).
 */
export async function requestAcmeCertificate(db: Db, actor: Actor, raw: AcmeInput, options: { renewedFromId?: string; keyPem?: string } = {}): Promise<AcmeIssued> {
  requireGlobalActor(actor);
  const input = parseInput(acmeSchema, raw);
  const hosts = normalizeHosts(input.hosts);
  if (hosts.some((h) => h.startsWith('*.') || isIpAddress(h))) {
    throw new ServiceError('invalid', 'HTTP-01 cannot validate wildcard names or IP addresses', 'hosts');
  }
  configureTrust();
  const account = await accountKey(db, input.directoryUrl, input.email);
  const client = new acme.Client({
    directoryUrl: input.directoryUrl,
    accountKey: account.keyPem,
    accountUrl: account.accountUrl ?? undefined,
    backoffAttempts: 10,
    backoffMin: 500,
    backoffMax: 5000,
  });

  const { keys, keyType, keySize } = await keysFor(input.keySpec as KeySpec, options.keyPem);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName({ commonName: hosts[0] }),
    keys,
    signingAlgorithm: signingAlgorithm(keys.privateKey),
    extensions: serverExtensions(hosts, keyType).filter((e) => e instanceof x509.SubjectAlternativeNameExtension),
  });

  let chainPem: string;
  try {
    chainPem = await client.auto({
      csr: csr.toString('pem'),
      email: input.email,
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // The CA checks for real; a self-check from here would need port 80 on this host.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
        if (challenge.type !== 'http-01') throw new Error(`unsupported challenge ${challenge.type}`);
        const token = (challenge as { token: string }).token;
        await db.acmeChallenge.upsert({
          where: { token },
          create: { token, keyAuthorization, expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS) },
          update: { keyAuthorization, expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS) },
        });
      },
      challengeRemoveFn: async (_authz, challenge) => {
        await db.acmeChallenge.deleteMany({ where: { token: (challenge as { token?: string }).token ?? '' } });
      },
    });
  } catch (err) {
    const message = (err as Error).message.replace(/\s+/g, ' ').slice(0, 300);
    await audit(db, actor, 'certificate.acme_failed', null, undefined, { hosts, directoryUrl: input.directoryUrl, error: message });
    throw new ServiceError('invalid', `the ACME order failed: ${message}`, 'hosts');
  }
  if (!account.accountUrl) {
    await db.acmeAccount.update({ where: { id: account.id }, data: { accountUrl: client.getAccountUrl() } }).catch(() => {});
  }

  const keyPem = await privateKeyToPem(keys.privateKey);
  const { pems, checks } = checkBundle({ certPem: chainPem, key: keyPem, hosts });
  const certPem = pems.join('');
  const facts = factsOf(certPem);
  const row = await conflictOnDuplicate(
    () =>
      db.$transaction(async (tx) => {
        const created = await tx.certificate.create({
          data: {
            status: 'PENDING',
            source: 'ACME',
            hosts,
            ...certificateColumns(facts),
            keyType,
            keySize,
            certPem,
            keySealed: sealKey(keyPem),
            acmeDirectoryUrl: input.directoryUrl,
            acmeEmail: input.email,
            renewedFromId: options.renewedFromId,
          },
        });
        await audit(tx, actor, 'certificate.acme', created.id, undefined, {
          hosts, directoryUrl: input.directoryUrl, issuer: facts.issuer, serial: facts.serial, notAfter: facts.notAfter, fingerprintSha256: facts.fingerprintSha256,
        });
        return created;
      }),
    'hosts',
    'this certificate is already stored',
  );
  return { id: row.id, hosts, fingerprintSha256: facts.fingerprintSha256, notAfter: facts.notAfter, checks };
}
