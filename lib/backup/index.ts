export { createBackup, type BackupInput, type BackupSummary } from './create-backup';
export { restoreBackup, verifyBackup, whyNotEmpty, type RestoreInput, type RestoreSummary, type VerifiedBackup } from './restore-backup';
export { checkMasterKey, installMasterKey } from './master-key';
export { EXCLUDED_TABLES, RESET_COLUMNS, type Manifest } from './manifest';
export { SealedFileError } from './sealed-file';
