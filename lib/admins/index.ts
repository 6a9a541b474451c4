export type { AdminDto } from './dto';
export { addAdmin, type AddAdminInput } from './add-admin';
export { listAdmins } from './list-admins';
export { removeAdmin } from './remove-admin';
export { updateAdmin } from './update-admin';
export { changeOwnPassword } from './change-own-password';
export { setAdminPassword } from './set-admin-password';
export { findAdmin } from './find-admin';
export { startAdminSession, endAdminSession, endAllAdminSessions } from './sessions';
