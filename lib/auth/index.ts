export { hashPassword, verifyPassword, dummyHash } from './password';
export { recordFailure, lockedUntil, resetFailures, pruneThrottle, throttleKey, type BruteForce } from './throttle';
export { verifyMailboxLogin, type MailboxLoginInput, type MailboxLoginResult } from './mailbox-login';
export { verifyAdminLogin, type AdminLoginResult } from './admin-login';
