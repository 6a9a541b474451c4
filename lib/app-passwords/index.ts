export { createAppPassword, listAppPasswords, matchAppPassword, revokeAppPassword, MAX_APP_PASSWORDS, type AppPasswordDto } from './app-passwords';
export { generateAppPassword, normalizeAppPassword } from './format';
