// The Postgres message store: local delivery into INBOXes and the IMAP store interface implementation.
export { deliver, type DeliverInput, type Stored, type StoredMessage } from './deliver';
export { createPgMailStore, PgMailStore, DEFAULT_APPEND_LIMIT, type PgMailStoreOptions } from './pg-store';
export { validFolderName } from './folders';
export { DEFAULT_FOLDERS, ensureDefaultFolders, INBOX } from './folders';
export { sweepOrphanBlobs } from './blobs';
export { createJunkTrainingQueue } from './junk-training';
export { createPop3Store, PgPop3Store } from './pop3-store';
