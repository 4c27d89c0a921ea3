// Accounts of people, on better-auth: email + password sign-up with a verification mail,
// sign-in, sign-out and password reset for the pages, behind an HttpOnly session cookie.
// Its models are mapped onto the edge's own tables (edge/db/schema.ts) through the drizzle
// adapter, so an account better-auth creates is the `accounts` row everything else reads.
// CLI bearer tokens stay the edge's own hashed API tokens (services/accounts.ts); their
// login checks the password with the same function better-auth is given.
import { drizzleAdapter } from '@better-auth/drizzle-adapter';
import { betterAuth } from 'better-auth';
import { APIError } from 'better-auth/api';
import { eq } from 'drizzle-orm';
import { hmacSha256, toBase64Url } from '../../core/wire/encoding.ts';
import type { Logger } from '../../core/log.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../core/wire/accounts.ts';
import type { Database } from '../db/client.ts';
import { accounts, authCredentials, authVerifications, ROLES, webSessions } from '../db/schema.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { LiveStore } from '../store/store.ts';
import { hashPassword, newId, verifyPassword } from './secrets.ts';
import { accountMails } from './account_mails.ts';

/** Where better-auth answers: `/api/auth/sign-up/email`, `/api/auth/sign-in/email`, … */
export const AUTH_BASE_PATH = '/api/auth';

/** The header the edge sets to the caller's address; any copy from outside is dropped. */
export const CLIENT_IP_HEADER = 'x-roomcast-client-ip';

export interface AccountsAuthOptions {
  db: Database;
  store: LiveStore;
  mailer: Mailer;
  log: Logger;
  publicUrl: string;
  corsOrigins: readonly string[];
  clusterSecret: string;
  sessionTtlHours: number;
  /** Sign-in waits for the emailed link (off only where the edge cannot send mail). */
  requireEmailVerification: boolean;
  signUp: boolean;
}

/**
 * better-auth's rate limits over the live store, so every edge instance counts the same
 * window: one atomic increment per request (what `consume` asks for).
 */
function liveStoreRateLimits(store: LiveStore) {
  return {
    consume: async (key: string, rule: { window: number; max: number }) => {
      const count = await store.incrWithin(`ratelimit:auth:${key}`, rule.window * 1000);
      return count <= rule.max
        ? { allowed: true, retryAfter: null }
        : { allowed: false, retryAfter: rule.window };
    },
  };
}

/** better-auth's signing secret, derived so the cluster secret itself is never handed on. */
export async function authSecret(clusterSecret: string): Promise<string> {
  return toBase64Url(await hmacSha256(clusterSecret, 'better-auth:v1'));
}

export async function createAccountsAuth(options: AccountsAuthOptions) {
  const log = options.log.child({ part: 'accounts' });
  const mails = accountMails(options.mailer, log);
  return betterAuth({
    appName: 'roomcast',
    baseURL: options.publicUrl,
    basePath: AUTH_BASE_PATH,
    secret: await authSecret(options.clusterSecret),
    trustedOrigins: [options.publicUrl, ...options.corsOrigins],
    telemetry: { enabled: false },
    database: drizzleAdapter(options.db, {
      provider: 'sqlite',
      schema: {
        user: accounts,
        session: webSessions,
        account: authCredentials,
        verification: authVerifications,
      },
    }),
    user: {
      additionalFields: {
        // Set by the edge (admins, approvals), never by the person signing up.
        role: { type: [...ROLES], required: false, defaultValue: 'viewer', input: false },
      },
    },
    emailAndPassword: {
      enabled: true,
      disableSignUp: !options.signUp,
      requireEmailVerification: options.requireEmailVerification,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      maxPasswordLength: MAX_PASSWORD_LENGTH,
      // The edge's PBKDF2 (Web Crypto on every runtime), so accounts made before better-auth
      // keep their passwords.
      password: {
        hash: (password) => hashPassword(password),
        verify: ({ hash, password }) => verifyPassword(password, hash),
      },
      resetPasswordTokenExpiresIn: 3600,
      revokeSessionsOnPasswordReset: true,
      sendResetPassword: ({ user, url }) => mails.reset(user.email, url),
    },
    emailVerification: {
      sendOnSignUp: true,
      autoSignInAfterVerification: true,
      expiresIn: 24 * 3600,
      sendVerificationEmail: ({ user, url }) => mails.verify(user.email, url),
    },
    session: {
      expiresIn: options.sessionTtlHours * 3600,
      updateAge: 3600,
    },
    databaseHooks: {
      session: {
        create: {
          // A disabled account cannot start a session, whatever its password.
          before: async (session) => {
            const row = (await options.db.select({ disabledAt: accounts.disabledAt })
              .from(accounts).where(eq(accounts.id, session.userId)))[0];
            if (!row || row.disabledAt !== null) {
              throw new APIError('FORBIDDEN', { message: 'this account is disabled' });
            }
          },
        },
      },
    },
    rateLimit: {
      enabled: true,
      window: 60,
      max: 100,
      customRules: {
        '/sign-in/email': { window: 60, max: 10 },
        '/sign-up/email': { window: 3600, max: 20 },
        '/request-password-reset': { window: 3600, max: 5 },
        '/send-verification-email': { window: 3600, max: 5 },
        '/reset-password': { window: 3600, max: 10 },
      },
      customStorage: liveStoreRateLimits(options.store),
    },
    advanced: {
      cookiePrefix: 'roomcast',
      useSecureCookies: options.publicUrl.startsWith('https:'),
      database: { generateId: () => newId() },
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
    },
    logger: {
      // better-auth's own messages go to the edge log at warn and above; they name what
      // failed, never a token (those only travel in the mails and cookies).
      level: 'warn',
      log: (level, message) =>
        level === 'error' ? log.error(message) : log.warn(message, { level }),
    },
  });
}

export type AccountsAuth = Awaited<ReturnType<typeof createAccountsAuth>>;
