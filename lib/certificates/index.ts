// The certificates service layer: used by the panel (through lib/dal), the CLI and the daemon.
export { createCa, crlUrlFor, type CreatedCa } from './create-ca';
export { issueServerCertificate, type IssuedCertificate } from './issue-server-certificate';
export { createCsr, type CreatedCsr } from './create-csr';
export { importSignedCertificate } from './import-signed-certificate';
export { uploadCertificate, type UploadedCertificate } from './upload-certificate';
export { requestAcmeCertificate, answerAcmeChallenge, type AcmeIssued } from './acme';
export { activateCertificate, type Activated } from './activate-certificate';
export { listCertificates, getCertificate, listCas, getCaCertificate, type CertificateSummary } from './list-certificates';
export { describeCertificate, type CertificateView, type ExtensionView } from './describe-certificate';
export { expiryOf, WARNING_DAYS, type Expiry, type ExpiryLevel } from './expiry';
export { runRenewalPass, type RenewalReport } from './renew';
export { certificateStatus, toPrometheus, type CertificateStatusReport } from './status';
export { issueSmimeCertificate, listSmimeCertificates, getSmimeCertificatePem, exportSmimePkcs12, type SmimeSummary } from './smime';
export { revokeSmimeCertificate, revokeServerCertificate } from './revoke';
export { buildCrl } from './crl';
export { CertificateCheckError, type CheckResult, type CheckReason, type CheckName } from './checks';
export { KEY_SPECS, type KeySpec } from './x509';
export * from './schemas';
