// Accounts, roles, login sessions and API tokens. Tokens are shown once and stored hashed.
import { and, eq, gt, isNull, or } from 'drizzle-orm';
import { accounts, authSessions, type Role } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';
import { hashPassword, hashToken, newApiToken, newId, verifyPassword } from '../auth/secrets.ts';
import { liveKeys } from '../live_keys.ts';

export interface Account {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: number;
  disabled: boolean;
}

type AccountRow = typeof accounts.$inferSelect;

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: row.createdAt,
    disabled: row.disabledAt !== null,
  };
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
  const row: AccountRow = {
    id: newId(),
    email,
    name: input.name ?? '',
    role: input.role,
    passwordHash: input.password ? await hashPassword(input.password) : null,
    createdAt: deps.now(),
    disabledAt: null,
  };
  await deps.db.insert(accounts).values(row);
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

/** Email + password → a login session token. Repeated failures lock the email for a while. */
export async function login(
  deps: EdgeDeps,
  email: string,
  password: string,
): Promise<{ token: string; expiresAt: number | null; account: Account }> {
  const normalized = email.toLowerCase();
  const failuresKey = liveKeys.loginFailures(normalized);
  const failures = Number(await deps.store.get(failuresKey) ?? 0);
  if (failures >= LOGIN_FAILURES_ALLOWED) {
    throw new HttpError(429, 'too many failed logins for this account; wait 15 minutes');
  }
  const rows = await deps.db.select().from(accounts).where(eq(accounts.email, normalized));
  const row = rows[0];
  const ok = row?.passwordHash && row.disabledAt === null &&
    await verifyPassword(password, row.passwordHash);
  if (!row || !ok) {
    await deps.store.incrWithin(failuresKey, LOGIN_WINDOW_MS);
    throw new HttpError(401, 'email or password is wrong');
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
