// LISTEN/NOTIFY channels: how the panel (or another daemon) tells every running
// daemon that something must apply at once. Payloads are small JSON objects.
export const CHANNELS = {
  /** A global or per-domain policy changed: { domainId: string | null }. */
  policy: 'postern_policy',
  /** The active certificate set changed: { certificateId }. */
  certificates: 'postern_certificates',
  /** A mailbox, domain or alias changed (enabled, password, quota…): { kind, id }. */
  directory: 'postern_directory',
  /** A folder's messages or flags changed, for IDLE across processes: { folderId, modseq }. */
  mailstore: 'postern_mailstore',
  /** Outbound mail became due (queued, or retried from the panel): {}. Wakes every queue runner. */
  outbound: 'postern_outbound',
  /** A domain's DKIM keys changed (generated, activated, retired): { domainId }. Daemons reload their signing keys. */
  dkim: 'postern_dkim',
  /** Users judged messages by moving them into or out of Junk: {}. Wakes the rspamd learners. */
  junk: 'postern_junk',
  /** An alert notice was queued (a test send from the panel): {}. Wakes the daemons' alert pass. */
  alerts: 'postern_alerts',
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];
