import 'server-only';
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import type { Actor } from '@/lib/actor';
import { endAdminSession, startAdminSession } from '@/lib/admins/sessions';
import { audit } from '@/lib/audit';
import { adminLogin } from './admin-login';
import { db } from './db';
import { clientIp } from './ip';
import { safeCallbackPath } from './redirect';
import { panelSecrets } from './secrets';

/** How long a panel session lives; a sign-in after that is required. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/**
 * next-auth v4: one credentials provider (email, password, optional TOTP or recovery
 * code), JWT sessions that expire. The token holds the admin id, email and the id of
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
          return { id: result.admin.id, email: result.admin.email };
        },
      }),
    ],
    events: {
      async signOut({ token }) {
        if (typeof token?.sid === 'string') await endAdminSession(db(), token.sid);
        if (!token?.sub || !token.email) return;
        const actor: Actor = { kind: 'admin', id: token.sub, email: token.email, role: 'GLOBAL', domainIds: [] };
        await audit(db(), actor, 'admin.logout', token.email).catch(() => {});
      },
    },
    callbacks: {
      async jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.email = user.email;
          token.sid = await startAdminSession(db(), user.id, SESSION_MAX_AGE_SECONDS);
        }
        return token;
      },
      async session({ session, token }) {
        session.user = { email: token.email ?? null, name: null, image: null };
        Object.assign(session, { adminId: token.sub, sessionId: typeof token.sid === 'string' ? token.sid : undefined });
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
