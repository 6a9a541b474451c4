import fs from 'node:fs';
import type { Command } from 'commander';
import { ServiceError } from '@/lib/errors';
import {
  activateCertificate, certificateStatus, createCa, createCsr, describeCertificate, exportSmimePkcs12, getCaCertificate, getCertificate,
  getSmimeCertificatePem, importSignedCertificate, issueServerCertificate, issueSmimeCertificate, listCas, listCertificates,
  listSmimeCertificates, requestAcmeCertificate, revokeServerCertificate, revokeSmimeCertificate, runRenewalPass, uploadCertificate,
} from '@/lib/certificates';
import type { CliContext } from '../context';
import { table } from '../output';
import { passwordFromStdin, promptPassword } from '../password-input';

// postern ca … / cert … / smime …: the command groups for the internal CA, TLS certificates and S/MIME certificates.

const KEY_HELP = 'key type: ec-p256 (default), rsa-3072 or rsa-4096';
const day = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : '');

/** A file argument; "-" reads stdin. */
async function readFileArg(ctx: CliContext, file: string, field: string): Promise<string> {
  if (file === '-') return ctx.readStdin();
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ServiceError('invalid', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, field);
  }
}

const hostsList = (v: string) => v.split(',').map((h) => h.trim()).filter(Boolean);

export function registerCa(program: Command, ctx: CliContext): void {
  const ca = program.command('ca').description('the internal certificate authority');

  ca.command('create')
    .description('create a root CA (path length 0), optionally with an intermediate that issues')
    .requiredOption('--cn <name>', 'common name of the CA')
    .option('--org <organization>', 'organization (O)')
    .option('--country <cc>', 'two-letter country (C)')
    .option('--key <type>', KEY_HELP, 'ec-p256')
    .option('--days <n>', 'validity in days', '3650')
    .option('--intermediate <name>', 'also create an intermediate CA with this common name')
    .option('--crl-base-url <url>', 'where the panel is reachable (CRL distribution point); default http://POSTERN_HOSTNAME:PORT')
    .option('--out <file>', 'write the root certificate (PEM) here')
    .option('--json', 'machine-readable output')
    .action(async (o: { cn: string; org?: string; country?: string; key: string; days: string; intermediate?: string; crlBaseUrl?: string; out?: string; json?: boolean }) => {
      const r = await createCa(await ctx.db(), ctx.actor, {
        commonName: o.cn, organization: o.org, country: o.country, keySpec: o.key as never, validityDays: o.days as never,
        intermediate: o.intermediate ? { commonName: o.intermediate } : undefined, crlBaseUrl: o.crlBaseUrl,
      });
      if (o.out) fs.writeFileSync(o.out, r.certPem);
      if (o.json) return ctx.json({ id: r.id, fingerprintSha256: r.fingerprintSha256, intermediate: r.intermediate && { id: r.intermediate.id, fingerprintSha256: r.intermediate.fingerprintSha256 } });
      ctx.out(`created CA ${r.id} "${r.name}" sha256 ${r.fingerprintSha256}`);
      if (r.intermediate) ctx.out(`created intermediate ${r.intermediate.id} "${r.intermediate.name}" sha256 ${r.intermediate.fingerprintSha256}`);
    });

  ca.command('list')
    .description('list CAs')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const rows = await listCas(await ctx.db(), ctx.actor);
      if (o.json) return ctx.json(rows);
      if (!rows.length) return ctx.out('no CA yet: postern ca create --cn NAME');
      ctx.out(table(['ID', 'NAME', 'KEY', 'PATHLEN', 'PARENT', 'NOT AFTER', 'SHA-256'], rows.map((r) => [r.id, r.name, `${r.keyType} ${r.keySize}`, r.pathLen, r.parentId ?? '', day(r.notAfter), r.fingerprintSha256])));
    });

  ca.command('show <id>')
    .description("print a CA's certificate (PEM) for clients to trust")
    .action(async (id: string) => {
      process.stdout.write((await getCaCertificate(await ctx.db(), id)).certPem);
    });
}

export function registerCert(program: Command, ctx: CliContext): void {
  const cert = program.command('cert').description('server certificates (SMTP, submission, IMAP)');

  cert.command('issue')
    .description('issue a server certificate from the internal CA (PENDING until activated)')
    .requiredOption('--hosts <h1,h2>', 'host names (SANs), e.g. the MX, submission and IMAP names')
    .option('--key <type>', KEY_HELP, 'ec-p256')
    .option('--days <n>', 'validity in days', '397')
    .option('--ca <id>', 'the issuing CA (default: the newest issuing one)')
    .option('--services <list>', 'only for these listeners: smtp,submission,imap (default: all)')
    .option('--activate', 'activate it at once')
    .action(async (o: { hosts: string; key: string; days: string; ca?: string; services?: string; activate?: boolean }) => {
      const db = await ctx.db();
      const services = o.services ? hostsList(o.services) : [];
      const r = await issueServerCertificate(db, ctx.actor, { hosts: hostsList(o.hosts), keySpec: o.key as never, validityDays: o.days as never, caId: o.ca, services: services as never });
      ctx.out(`issued ${r.id} for ${r.hosts.join(', ')} until ${day(r.notAfter)} sha256 ${r.fingerprintSha256}`);
      if (o.activate) {
        await activateCertificate(db, ctx.actor, r.id);
        ctx.out(`activated ${r.id}`);
      }
    });

  cert.command('csr')
    .description('generate a key and a CSR for an external CA: prints the CSR, keeps the key pending')
    .requiredOption('--hosts <h1,h2>', 'host names (SANs)')
    .option('--key <type>', KEY_HELP, 'ec-p256')
    .option('--org <organization>', 'organization (O)')
    .action(async (o: { hosts: string; key: string; org?: string }) => {
      const r = await createCsr(await ctx.db(), ctx.actor, { hosts: hostsList(o.hosts), keySpec: o.key as never, organization: o.org });
      process.stderr.write(`pending certificate ${r.id}: import the signed certificate with: postern cert import ${r.id} --cert FILE\n`);
      process.stdout.write(r.csrPem);
    });

  cert.command('import <id>')
    .description("import the external CA's signed certificate (+ chain) for a pending CSR")
    .requiredOption('--cert <file>', 'PEM: the certificate, optionally followed by the chain ("-" = stdin)')
    .action(async (id: string, o: { cert: string }) => {
      const r = await importSignedCertificate(await ctx.db(), ctx.actor, { id, certPem: await readFileArg(ctx, o.cert, 'cert') });
      ctx.out(`imported ${r.id} for ${r.hosts.join(', ')} until ${day(r.notAfter)} sha256 ${r.fingerprintSha256}`);
    });

  cert.command('upload')
    .description('store a certificate + key from elsewhere after checking them (key, chain, validity, names, strength)')
    .requiredOption('--cert <file>', 'PEM certificate (may include the chain)')
    .requiredOption('--key <file>', 'PEM private key (unencrypted)')
    .option('--chain <file>', 'PEM intermediates, issuer first')
    .option('--hosts <h1,h2>', 'names it must cover (default POSTERN_HOSTNAME)')
    .action(async (o: { cert: string; key: string; chain?: string; hosts?: string }) => {
      const r = await uploadCertificate(await ctx.db(), ctx.actor, {
        certPem: await readFileArg(ctx, o.cert, 'cert'),
        keyPem: await readFileArg(ctx, o.key, 'key'),
        chainPem: o.chain ? await readFileArg(ctx, o.chain, 'chain') : undefined,
        hosts: o.hosts ? hostsList(o.hosts) : undefined,
      });
      for (const c of r.checks) ctx.out(`  ok  ${c.name.padEnd(16)} ${c.detail}`);
      ctx.out(`uploaded ${r.id} for ${r.hosts.join(', ')} until ${day(r.notAfter)} sha256 ${r.fingerprintSha256}`);
    });

  cert.command('acme')
    .description('obtain a certificate over ACME (HTTP-01 answered by the panel on port 80)')
    .requiredOption('--hosts <h1,h2>', 'host names')
    .requiredOption('--email <address>', 'ACME account contact')
    .option('--directory <url>', 'ACME directory URL', 'https://acme-v02.api.letsencrypt.org/directory')
    .option('--key <type>', KEY_HELP, 'ec-p256')
    .option('--activate', 'activate it at once')
    .action(async (o: { hosts: string; email: string; directory: string; key: string; activate?: boolean }) => {
      const db = await ctx.db();
      const r = await requestAcmeCertificate(db, ctx.actor, { hosts: hostsList(o.hosts), email: o.email, directoryUrl: o.directory, keySpec: o.key as never });
      ctx.out(`obtained ${r.id} for ${r.hosts.join(', ')} until ${day(r.notAfter)} sha256 ${r.fingerprintSha256}`);
      if (o.activate) {
        await activateCertificate(db, ctx.actor, r.id);
        ctx.out(`activated ${r.id}`);
      }
    });

  cert.command('activate <id>')
    .description('serve this certificate: every daemon switches within seconds, others for the same names retire')
    .option('--confirm-tlsa-mismatch', 'activate even though no published TLSA record matches its key (DANE senders will fail until DNS has it)')
    .action(async (id: string, o: { confirmTlsaMismatch?: boolean }) => {
      const r = await activateCertificate(await ctx.db(), ctx.actor, id, new Date(), { confirmTlsaMismatch: o.confirmTlsaMismatch });
      ctx.out(`activated ${r.id} for ${r.hosts.join(', ')}${r.retired.length ? ` (retired ${r.retired.join(', ')})` : ''}`);
    });

  cert.command('list')
    .alias('ls')
    .description('list server certificates')
    .option('--status <status>', 'PENDING, ACTIVE or RETIRED')
    .option('--json', 'machine-readable output: id, hosts, status, notAfter, fingerprintSha256, …')
    .action(async (o: { status?: string; json?: boolean }) => {
      const status = o.status?.toUpperCase();
      if (status && !['PENDING', 'ACTIVE', 'RETIRED'].includes(status)) throw new ServiceError('invalid', 'status is PENDING, ACTIVE or RETIRED', 'status');
      const rows = await listCertificates(await ctx.db(), ctx.actor, { status: status as never });
      if (o.json) {
        return ctx.json(rows.map((r) => ({
          id: r.id, hosts: r.hosts, status: r.status, source: r.source, notBefore: r.notBefore, notAfter: r.notAfter,
          daysLeft: r.expiry.daysLeft, expiryLevel: r.expiry.level, fingerprintSha256: r.fingerprintSha256, issuer: r.issuer,
          keyType: r.keyType, keySize: r.keySize, awaitingCertificate: r.awaitingCertificate, revoked: r.revoked,
        })));
      }
      if (!rows.length) return ctx.out('no certificates');
      ctx.out(table(['ID', 'STATUS', 'SOURCE', 'HOSTS', 'NOT AFTER', 'DAYS LEFT', 'SHA-256'],
        rows.map((r) => [r.id, r.status, r.source, r.hosts.join(','), day(r.notAfter), r.awaitingCertificate ? 'awaiting cert' : r.expiry.daysLeft, r.fingerprintSha256])));
    });

  cert.command('show <id>')
    .description('a certificate as `openssl x509 -text` shows it (--pem for the PEM chain, --csr for a pending request)')
    .option('--pem', 'print the PEM (leaf + chain)')
    .option('--csr', 'print the CSR of a pending request')
    .action(async (id: string, o: { pem?: boolean; csr?: boolean }) => {
      const c = await getCertificate(await ctx.db(), ctx.actor, id);
      if (o.csr) {
        if (!c.csrPem) throw new ServiceError('invalid', 'this certificate has no CSR', 'id');
        return void process.stdout.write(c.csrPem);
      }
      if (!c.certPem) throw new ServiceError('invalid', 'no certificate yet (a pending CSR): use --csr', 'id');
      if (o.pem) return void process.stdout.write(c.certPem);
      ctx.out(describeCertificate(c.certPem).text);
    });

  cert.command('revoke <id>')
    .description('revoke an internal-CA certificate (listed in the CRL; retired if active)')
    .option('--reason <code>', 'CRL reason code (0 unspecified, 1 key compromise, 4 superseded, 5 cessation)', '0')
    .action(async (id: string, o: { reason: string }) => {
      const r = await revokeServerCertificate(await ctx.db(), ctx.actor, { id, reason: o.reason as never });
      ctx.out(`revoked ${r.id} (serial ${r.serial})`);
    });

  cert.command('renew')
    .description('run the expiry pass now: warnings, and renewal of internal-CA/ACME certificates due per policy')
    .option('--new-key', 'renew with new keys (default: keep each key, so published TLSA records stay right)')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean; newKey?: boolean }) => {
      const r = await runRenewalPass(await ctx.db(), { actor: ctx.actor, newKey: o.newKey });
      if (!r) return ctx.out('another process is running the renewal pass');
      if (o.json) return ctx.json(r);
      for (const w of r.warned) ctx.out(`warning: ${w.hosts.join(',')} expires in ${w.daysLeft} days`);
      for (const n of r.renewed) ctx.out(`renewed ${n.oldId} → ${n.newId} (${n.hosts.join(',')})`);
      for (const f of r.failed) ctx.out(`FAILED ${f.id} (${f.hosts.join(',')}): ${f.error}`);
      if (r.failed.length) process.exitCode = 1;
      if (!r.warned.length && !r.renewed.length && !r.failed.length) ctx.out('nothing to do');
    });

  cert.command('check')
    .description('monitoring plugin: exit 0 OK, 1 WARNING, 2 CRITICAL (Nagios/Icinga convention); no live mail daemon, one gone and not replaced on its host, or one serving another certificate, is a WARNING')
    .option('--warn <days>', 'warning below this many days left', '30')
    .option('--crit <days>', 'critical below this many days left', '7')
    .action(async (o: { warn: string; crit: string }) => {
      const r = await certificateStatus(await ctx.db());
      const warn = Number(o.warn);
      const crit = Number(o.crit);
      const min = r.minDaysLeft;
      const state = min === null || min < crit ? 2 : min < warn || r.warnings.length ? 1 : 0;
      const label = ['OK', 'WARNING', 'CRITICAL'][state];
      const stale = r.daemons.filter((d) => !d.servesActive).map((d) => d.instanceId);
      ctx.out(`CERTIFICATES ${label} - ${min === null ? 'no active certificate' : `${min} days left (soonest)`}` +
        `${r.daemons.length ? '' : '; no mail daemon is alive'}` +
        `${r.daemons.length && r.missing.length ? `; gone without signing off, not replaced: ${r.missing.map((d) => d.instanceId).join(', ')}` : ''}` +
        `${stale.length ? `; not serving the active certificate: ${stale.join(', ')}` : ''} | days_left=${min ?? 0};${warn};${crit} daemons_alive=${r.daemons.length} daemons_missing=${r.missing.length}`);
      process.exitCode = state;
    });
}

export function registerSmime(program: Command, ctx: CliContext): void {
  const smime = program.command('smime').description('S/MIME certificates per mailbox');

  const password = async (o: { passwordStdin?: boolean }) => (o.passwordStdin ? passwordFromStdin(ctx) : ctx.stdinIsTty ? promptPassword('Password for the .p12') : passwordFromStdin(ctx));

  smime.command('issue <address>')
    .description('issue an S/MIME certificate for a mailbox and write it with its key as a password-protected .p12')
    .requiredOption('--out <file>', 'the .p12 file to write')
    .option('--password-stdin', 'read the .p12 password from stdin')
    .option('--legacy', 'legacy 3DES/SHA-1 PKCS#12 for older clients (default AES-256 + PBKDF2/SHA-256)')
    .option('--key <type>', 'rsa-3072 (default) or rsa-4096', 'rsa-3072')
    .option('--days <n>', 'validity in days', '730')
    .action(async (address: string, o: { out: string; passwordStdin?: boolean; legacy?: boolean; key: string; days: string }) => {
      const pw = await password(o);
      const db = await ctx.db();
      const issued = await issueSmimeCertificate(db, ctx.actor, { address, keySpec: o.key as never, validityDays: o.days as never });
      const p12 = await exportSmimePkcs12(db, ctx.actor, { id: issued.id, password: pw, legacy: !!o.legacy });
      fs.writeFileSync(o.out, p12.data, { mode: 0o600 });
      ctx.out(`issued ${issued.id} for ${issued.address} until ${day(issued.notAfter)} sha256 ${issued.fingerprintSha256}; wrote ${o.out}`);
    });

  smime.command('export <id>')
    .description('write an existing S/MIME certificate and key as a .p12')
    .requiredOption('--out <file>', 'the .p12 file to write')
    .option('--password-stdin', 'read the .p12 password from stdin')
    .option('--legacy', 'legacy 3DES/SHA-1 PKCS#12')
    .action(async (id: string, o: { out: string; passwordStdin?: boolean; legacy?: boolean }) => {
      const pw = await password(o);
      const p12 = await exportSmimePkcs12(await ctx.db(), ctx.actor, { id, password: pw, legacy: !!o.legacy });
      fs.writeFileSync(o.out, p12.data, { mode: 0o600 });
      ctx.out(`wrote ${o.out}`);
    });

  smime.command('cert <id>')
    .description('print the public certificate (PEM)')
    .action(async (id: string) => {
      process.stdout.write((await getSmimeCertificatePem(await ctx.db(), ctx.actor, id)).certPem);
    });

  smime.command('list [address]')
    .description('list S/MIME certificates')
    .option('--json', 'machine-readable output')
    .action(async (address: string | undefined, o: { json?: boolean }) => {
      const rows = await listSmimeCertificates(await ctx.db(), ctx.actor, { address });
      if (o.json) return ctx.json(rows);
      if (!rows.length) return ctx.out('no S/MIME certificates');
      ctx.out(table(['ID', 'ADDRESS', 'NOT AFTER', 'REVOKED', 'SHA-256'], rows.map((r) => [r.id, r.address, day(r.notAfter), r.revokedAt ? day(r.revokedAt) : '', r.fingerprintSha256])));
    });

  smime.command('revoke <id>')
    .description('revoke an S/MIME certificate (listed in the CA\'s CRL)')
    .option('--reason <code>', 'CRL reason code', '0')
    .action(async (id: string, o: { reason: string }) => {
      const r = await revokeSmimeCertificate(await ctx.db(), ctx.actor, { id, reason: o.reason as never });
      ctx.out(`revoked ${r.id} (serial ${r.serial})`);
    });
}
