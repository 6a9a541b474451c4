export { audit, auditMany } from './audit';
export { announce } from './announce';
export { listAudit, type ListAuditInput, type AuditRow } from './list-audit';
export type { DbOrTx } from './types';
