import 'server-only';
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import type { Actor } from '@/lib/actor';
import { endAdminSession, startAdminSession } from '@/lib/admins/sessions';
import { audit } from '@/lib/audit';
import { verifyMailUserLogin } from '@/lib/self-service/login';
import { endMailboxSession, startMailboxSession } from '@/lib/self-service/sessions';
import { adminLogin } from './admin-login';
import { db } from './db';
import { clientIp } from './ip';
import { safeCallbackPath } from './redirect';
import { panelSecrets } from './secrets';

/** How long a panel session lives; a sign-in after that is required. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/** The token's kind: which table its `sid` names, and which side of the panel it opens. */
type SessionKind = 'admin' | 'mailbox';

/**
 * next-auth v4: two credentials providers — "credentials" for admins (email, password,
 * optional TOTP or recovery code) and "mailbox" for mailbox owners' self-service area (the
 * mailbox address and its own password; lib/dal/mail-user.ts) — and JWT sessions that expire.
 * The token's `kind` keeps them apart: a mailbox token carries no admin id and names a row in
 * mailbox_sessions, so lib/dal/session.ts finds no admin in it, and the other way round. The token holds the admin id, email and the id of
 * its row in admin_sessions (`sid`, made at sign-in); role and domain scope are read
 * from the database on every request (lib/dal/session.ts), which also refuses a token
 * whose session row is gone — sign-out deletes it, a password or role change deletes
 * all of the admin's — so a signed-out, removed or demoted admin loses access at once.
 */
export function authOptions(): NextAuthOptions {
  return {
    secret: panelSecrets().sessionSecret,
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS, updateAge: 15 * 60 },
    jwt: { maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: '/login', error: '/login' },
    providers: [
      CredentialsProvider({
        name: 'Postern',
        credentials: {
          email: { label: 'Email', type: 'email' },
          password: { label: 'Password', type: 'password' },
          code: { label: 'Authentication code', type: 'text' },
        },
        async authorize(credentials, req) {
          const result = await adminLogin({
            email: credentials?.email ?? '',
            password: credentials?.password ?? '',
            code: credentials?.code || undefined,
            ip: clientIp(req?.headers ?? {}),
          });
          // next-auth hands the thrown message to the client as `error`: a fixed vocabulary.
          if (!result.ok) throw new Error(result.reason);
          return { id: result.admin.id, email: result.admin.email, kind: 'admin' as SessionKind };
        },
      }),
      CredentialsProvider({
        id: 'mailbox',
        name: 'Postern mailbox',
        credentials: {
          address: { label: 'Email address', type: 'email' },
          password: { label: 'Password', type: 'password' },
          code: { label: 'Authentication code', type: 'text' },
        },
        async authorize(credentials, req) {
          const result = await verifyMailUserLogin(
            db(),
            {
              address: credentials?.address ?? '',
              password: credentials?.password ?? '',
              code: credentials?.code || undefined,
              ip: clientIp(req?.headers ?? {}) ?? 'unknown',
            },
            { masterKey: panelSecrets().masterKey },
          );
          if (!result.ok) throw new Error(result.reason);
          return { id: result.mailbox.id, email: result.mailbox.address, kind: 'mailbox' as SessionKind };
        },
      }),
    ],
    events: {
      async signOut({ token }) {
        if (token?.kind === 'mailbox') {
          if (typeof token.sid === 'string') await endMailboxSession(db(), token.sid);
          return;
        }
        if (typeof token?.sid === 'string') await endAdminSession(db(), token.sid);
        if (!token?.sub || !token.email) return;
        const actor: Actor = { kind: 'admin', id: token.sub, email: token.email, role: 'GLOBAL', domainIds: [] };
        await audit(db(), actor, 'admin.logout', token.email).catch(() => {});
      },
    },
    callbacks: {
      async jwt({ token, user }) {
        if (user) {
          const kind: SessionKind = (user as { kind?: SessionKind }).kind === 'mailbox' ? 'mailbox' : 'admin';
          token.sub = user.id;
          token.email = user.email;
          token.kind = kind;
          token.sid = kind === 'mailbox' ? await startMailboxSession(db(), user.id, SESSION_MAX_AGE_SECONDS) : await startAdminSession(db(), user.id, SESSION_MAX_AGE_SECONDS);
        }
        return token;
      },
      async session({ session, token }) {
        session.user = { email: token.email ?? null, name: null, image: null };
        const sid = typeof token.sid === 'string' ? token.sid : undefined;
        // Tokens from before kinds existed are admins' (their sid names an admin_sessions row or nothing).
        if (token.kind === 'mailbox') Object.assign(session, { mailboxId: token.sub, mailSessionId: sid });
        else Object.assign(session, { adminId: token.sub, sessionId: sid });
        return session;
      },
      // Where next-auth itself redirects (its callbackUrl): a path on this origin only.
      async redirect({ url, baseUrl }) {
        let path = url;
        if (url.startsWith(baseUrl)) path = url.slice(baseUrl.length) || '/';
        return `${baseUrl}${safeCallbackPath(path)}`;
      },
    },
  };
}
