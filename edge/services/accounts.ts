// Accounts, roles, CLI logins and API tokens. Tokens are shown once and stored hashed.
// People's own sign-up, verification and reset are better-auth's (auth/accounts_auth.ts),
// over the same `accounts` rows; passwords live in its credential rows.
import { and, eq, gt, isNull, or } from 'drizzle-orm';
import {
  accounts,
  authCredentials,
  authSessions,
  type Role,
  type StreamerState,
} from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';
import { hashPassword, hashToken, newApiToken, newId, verifyPassword } from '../auth/secrets.ts';
import { liveKeys } from '../live_keys.ts';

export interface Account {
  id: string;
  email: string;
  name: string;
  role: Role;
  emailVerified: boolean;
  /** Null until the account asks to stream. */
  streamer: StreamerState | null;
  createdAt: number;
  disabled: boolean;
}

type AccountRow = typeof accounts.$inferSelect;

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    emailVerified: row.emailVerified,
    streamer: row.streamerState,
    createdAt: row.createdAt.getTime(),
    disabled: row.disabledAt !== null,
  };
}

export async function findAccount(deps: EdgeDeps, id: string): Promise<Account | null> {
  const row = (await deps.db.select().from(accounts).where(eq(accounts.id, id)))[0];
  return row ? toAccount(row) : null;
}

export async function createAccount(
  deps: EdgeDeps,
  input: { email: string; role: Role; name?: string; password?: string },
): Promise<Account> {
  const email = input.email.toLowerCase();
  const existing = await deps.db.select({ id: accounts.id }).from(accounts).where(
    eq(accounts.email, email),
  );
  if (existing.length) throw new HttpError(409, `an account with email ${email} exists already`);
  const now = new Date(deps.now());
  const row: AccountRow = {
    id: newId(),
    email,
    name: input.name ?? '',
    role: input.role,
    // An admin made it: the address is theirs to vouch for.
    emailVerified: true,
    image: null,
    streamerState: input.role === 'streamer' ? 'approved' : null,
    streamerRoomId: null,
    streamerRoomTitle: null,
    plan: null,
    createdAt: now,
    updatedAt: now,
    disabledAt: null,
  };
  await deps.db.insert(accounts).values(row);
  if (input.password) {
    await deps.db.insert(authCredentials).values({
      id: newId(),
      accountId: row.id,
      providerId: 'credential',
      userId: row.id,
      password: await hashPassword(input.password),
      createdAt: now,
      updatedAt: now,
    });
  }
  return toAccount(row);
}

export async function listAccounts(deps: EdgeDeps): Promise<Account[]> {
  const rows = await deps.db.select().from(accounts).orderBy(accounts.email);
  return rows.map(toAccount);
}

export async function countAdmins(deps: EdgeDeps): Promise<number> {
  const rows = await deps.db.select({ id: accounts.id }).from(accounts).where(
    eq(accounts.role, 'admin'),
  );
  return rows.length;
}

/** Issues a bearer token for an account. `ttlMs` null: an API token that lives until revoked. */
export async function issueToken(
  deps: EdgeDeps,
  accountId: string,
  label: string,
  ttlMs: number | null,
): Promise<{ token: string; expiresAt: number | null }> {
  const token = newApiToken();
  const expiresAt = ttlMs === null ? null : deps.now() + ttlMs;
  await deps.db.insert(authSessions).values({
    id: newId(),
    tokenHash: await hashToken(token),
    accountId,
    label,
    createdAt: deps.now(),
    expiresAt,
    revokedAt: null,
  });
  return { token, expiresAt };
}

/** The account behind a bearer token, or null for unknown, expired, revoked or disabled. */
export async function accountForToken(deps: EdgeDeps, token: string): Promise<Account | null> {
  if (!/^rct_[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const rows = await deps.db
    .select({ account: accounts })
    .from(authSessions)
    .innerJoin(accounts, eq(accounts.id, authSessions.accountId))
    .where(and(eq(authSessions.tokenHash, await hashToken(token)), liveSession(deps)));
  const row = rows[0];
  return row ? toAccount(row.account) : null;
}

/** The login session behind a bearer token (for the chat cookie), or null as above. */
export async function sessionForToken(
  deps: EdgeDeps,
  token: string,
): Promise<{ sessionId: string; expiresAt: number | null; account: Account } | null> {
  if (!/^rct_[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const rows = await deps.db
    .select({ sessionId: authSessions.id, expiresAt: authSessions.expiresAt, account: accounts })
    .from(authSessions)
    .innerJoin(accounts, eq(accounts.id, authSessions.accountId))
    .where(and(
      eq(authSessions.tokenHash, await hashToken(token)),
      liveSession(deps),
    ));
  const row = rows[0];
  return row
    ? { sessionId: row.sessionId, expiresAt: row.expiresAt, account: toAccount(row.account) }
    : null;
}

/** The account of a session that is still live (not revoked, expired or disabled). */
export async function accountForSession(deps: EdgeDeps, sessionId: string) {
  const rows = await deps.db
    .select({ account: accounts })
    .from(authSessions)
    .innerJoin(accounts, eq(accounts.id, authSessions.accountId))
    .where(and(eq(authSessions.id, sessionId), liveSession(deps)));
  const row = rows[0];
  return row ? toAccount(row.account) : null;
}

function liveSession(deps: EdgeDeps) {
  return and(
    isNull(authSessions.revokedAt),
    or(isNull(authSessions.expiresAt), gt(authSessions.expiresAt, deps.now())),
    isNull(accounts.disabledAt),
  );
}

export async function revokeToken(deps: EdgeDeps, token: string): Promise<void> {
  await deps.db.update(authSessions).set({ revokedAt: deps.now() })
    .where(eq(authSessions.tokenHash, await hashToken(token)));
}

const LOGIN_FAILURES_ALLOWED = 10;
const LOGIN_WINDOW_MS = 15 * 60_000;

/**
 * Refuses a login for an email that failed too often lately, whatever the address it comes
 * from (better-auth's own limit counts per address; this one stops a spread-out guesser).
 */
export async function assertLoginAllowed(deps: EdgeDeps, email: string): Promise<void> {
  const failures = Number(await deps.store.get(liveKeys.loginFailures(email.toLowerCase())) ?? 0);
  if (failures >= LOGIN_FAILURES_ALLOWED) {
    throw new HttpError(429, 'too many failed logins for this account; wait 15 minutes');
  }
}

export async function recordLoginFailure(deps: EdgeDeps, email: string): Promise<void> {
  await deps.store.incrWithin(liveKeys.loginFailures(email.toLowerCase()), LOGIN_WINDOW_MS);
}

/** Email + password → a CLI login token. Repeated failures lock the email for a while. */
export async function login(
  deps: EdgeDeps,
  email: string,
  password: string,
): Promise<{ token: string; expiresAt: number | null; account: Account }> {
  const normalized = email.toLowerCase();
  await assertLoginAllowed(deps, normalized);
  const rows = await deps.db.select({ account: accounts, password: authCredentials.password })
    .from(accounts)
    .leftJoin(
      authCredentials,
      and(eq(authCredentials.userId, accounts.id), eq(authCredentials.providerId, 'credential')),
    )
    .where(eq(accounts.email, normalized));
  const row = rows[0]?.account;
  const hash = rows[0]?.password;
  // The same check better-auth's sign-in makes (its password.verify is this function).
  const ok = row && hash && row.disabledAt === null && await verifyPassword(password, hash);
  if (!row || !ok) {
    await recordLoginFailure(deps, normalized);
    throw new HttpError(401, 'email or password is wrong');
  }
  if (!row.emailVerified && deps.settings.accounts.requireEmailVerification) {
    throw new HttpError(
      403,
      'confirm your email address first: open the link in the mail the edge sent you',
      undefined,
      'emailNotVerified',
    );
  }
  const issued = await issueToken(deps, row.id, 'login', deps.settings.sessionTtlHours * 3_600_000);
  return { ...issued, account: toAccount(row) };
}

/**
 * First admin of a new edge. Only when no admin exists yet, so it can never be used to
 * take over a running system. Returns null when an admin exists.
 */
export async function bootstrapAdmin(
  deps: EdgeDeps,
  input: { email: string; password?: string },
): Promise<{ account: Account; token: string } | null> {
  if (await countAdmins(deps) > 0) return null;
  const account = await createAccount(deps, {
    email: input.email,
    role: 'admin',
    name: 'Administrator',
    password: input.password,
  });
  const { token } = await issueToken(deps, account.id, 'bootstrap', null);
  return { account, token };
}
