// What the account pages ask the edge, same origin: better-auth's endpoints (/api/auth/…)
// for signing up, in and out and resetting, the account API (/api/v1/me/…) for the rest.
// The session is the edge's HttpOnly cookie; nothing here keeps a token or a password.

/** A refusal: the edge's message says what is wrong; `reason` tells causes apart. */
export class AccountError extends Error {
  readonly status: number;
  readonly reason: string | null;

  constructor(status: number, message: string, reason: string | null) {
    super(message);
    this.name = 'AccountError';
    this.status = status;
    this.reason = reason;
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new AccountError(0, 'the edge cannot be reached; check the connection and retry', null);
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const error = answer?.error;
    throw new AccountError(
      response.status,
      typeof error?.message === 'string' ? error.message : `refused (${response.status})`,
      typeof error?.reason === 'string' ? error.reason : null,
    );
  }
  return answer as T;
}

export type Role = 'admin' | 'operator' | 'moderator' | 'streamer' | 'viewer';

export interface Account {
  id: string;
  email: string;
  name: string;
  role: Role;
  emailVerified: boolean;
  streamer: 'pending' | 'approved' | 'refused' | null;
}

export interface StreamKeyInfo {
  id: string;
  hint: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface OwnRoom {
  id: string;
  title: string;
  state: string;
  keys: StreamKeyInfo[];
  lastSession: {
    startedAt: string;
    endedAt: string | null;
    endReason: string | null;
    endDetail: string | null;
  } | null;
}

export interface Summary {
  account: Account;
  application: { roomId: string; title: string } | null;
  billing: {
    enabled: boolean;
    plan: string;
    balance: number;
    state: 'ok' | 'low' | 'grace' | 'empty';
    warning: string | null;
  };
  rooms: OwnRoom[];
  usage: { kind: string; credits: number; memo: string; at: string }[];
  packs: { id: string; credits: number; amountCents: number; currency: string }[];
}

export interface Application {
  account: Account;
  roomId: string;
  roomTitle: string;
}

export const signUp = (email: string, password: string, name: string) =>
  call('POST', '/api/auth/sign-up/email', { email, password, name, callbackURL: '/account' });

export const signIn = (email: string, password: string) =>
  call('POST', '/api/auth/sign-in/email', { email, password });

export const signOut = () => call('POST', '/api/auth/sign-out', {});

export const resendVerification = (email: string) =>
  call('POST', '/api/auth/send-verification-email', { email, callbackURL: '/account' });

export const requestReset = (email: string) =>
  call('POST', '/api/auth/request-password-reset', { email, redirectTo: '/reset' });

export const resetPassword = (token: string, newPassword: string) =>
  call('POST', '/api/auth/reset-password', { token, newPassword });

export const getSummary = () => call<Summary>('GET', '/api/v1/me/summary');

export const applyToStream = (roomId: string, title: string) =>
  call<Application>('POST', '/api/v1/me/streamer-application', { roomId, title });

export const newStreamKey = (roomId: string) =>
  call<{ key: string; info: StreamKeyInfo }>(
    'POST',
    `/api/v1/rooms/${encodeURIComponent(roomId)}/keys`,
  );

export const startCheckout = (pack: string) =>
  call<{ url: string }>('POST', '/api/v1/me/checkout', { pack });

export const listApplications = () =>
  call<{ applications: Application[] }>('GET', '/api/v1/approvals');

export const decide = (accountId: string, decision: 'approve' | 'refuse') =>
  call<Account>('POST', `/api/v1/approvals/${encodeURIComponent(accountId)}`, { decision });
