export { changeMailboxPassword } from './change-password';
export { getForwarding, setForwarding, MAX_FORWARDS, type Forwarding } from './forwarding';
export { verifyMailUserLogin, type MailUserLoginResult } from './login';
export { getOverview, getRecentLogins, type MailUserOverview, type RecentLogin } from './overview';
export { endMailboxSession, endOtherMailboxSessions, startMailboxSession } from './sessions';
export { exportOwnSmime, listOwnSmime } from './smime';
export { beginMailboxTotp, confirmMailboxTotp, disableMailboxTotp, getMailboxTotp, pendingMailboxTotp, totpStep, type MailboxTotpStatus } from './totp';
export { getVacation, setVacation, DEFAULT_VACATION, type Vacation } from './vacation';
export type { MailUser } from './types';
