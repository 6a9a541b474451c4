-- Set when the admin's password was generated (the first admin at start-up, an admin added or
-- reset without a password): that password was shown to someone else, so the admin must choose
-- their own at the next sign-in before using the panel. Cleared by changing the own password.
ALTER TABLE "admins" ADD COLUMN "must_change_password" BOOLEAN NOT NULL DEFAULT false;
