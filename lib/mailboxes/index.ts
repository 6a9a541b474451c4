export type { MailboxDto } from './dto';
export { createMailbox, type CreateMailboxInput } from './create-mailbox';
export { getMailbox, findMailboxInScope } from './find-mailbox';
export { listMailboxes, MAILBOX_SORTS, type ListMailboxesInput, type MailboxPage, type MailboxSort } from './list-mailboxes';
export { updateMailbox, type UpdateMailboxInput } from './update-mailbox';
export { setMailboxPassword } from './set-mailbox-password';
export { removeMailbox } from './remove-mailbox';
export { importMailboxes, MAX_IMPORT_ROWS, type ImportResult, type ImportRow } from './import-mailboxes';
export { parseCsv } from './csv';
