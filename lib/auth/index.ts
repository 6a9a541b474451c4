export { hashPassword, verifyPassword, dummyHash } from './password';
export {
  admitLogin, recordLoginFailure, recordLoginSuccess, recordFailure, lockedUntil, resetFailures, pruneThrottle, throttleKey, setDefaultSlowDown,
  DEFAULT_SLOW_DOWN, type BruteForce, type LoginAttempt, type ServiceGroup, type SlowDown,
} from './throttle';
export { verifyMailboxLogin, type MailboxLoginInput, type MailboxLoginResult } from './mailbox-login';
export { verifyAdminLogin, type AdminLoginResult } from './admin-login';
