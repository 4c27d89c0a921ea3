// better-auth's endpoints under /api/auth (sign-up, sign-in, sign-out, verify-email,
// request-password-reset, reset-password, get-session), with what the edge adds around
// them: the caller's address for its rate limits (set here, never taken from outside), the
// per-email lockout the CLI login has too, a body limit, and errors in the edge's one
// error shape `{ error: { code, message, reason } }` (better-auth's code becomes `reason`).
import { Hono } from 'hono';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AUTH_BASE_PATH, CLIENT_IP_HEADER } from '../auth/accounts_auth.ts';
import { clientAddress } from '../client_address.ts';
import type { EdgeDeps } from '../deps.ts';
import type { EdgeEnv } from '../env.ts';
import {
  asContentfulStatus,
  ERROR_CODES,
  errorBody,
  type ErrorStatus,
  HttpError,
} from '../http_error.ts';
import { assertLoginAllowed, recordLoginFailure } from '../services/accounts.ts';

const SIGN_IN_PATH = `${AUTH_BASE_PATH}/sign-in/email`;

/** The email of a sign-in body, or null when there is none to count failures against. */
async function signInEmail(request: Request): Promise<string | null> {
  try {
    const body = await request.clone().json();
    return typeof body?.email === 'string' && body.email.length <= 320 ? body.email : null;
  } catch {
    return null;
  }
}

/** better-auth's `{ code, message }` error answer, in the edge's error shape. */
async function inEdgeShape(response: Response): Promise<Response> {
  if (response.status < 400 || !response.headers.get('content-type')?.includes('json')) {
    return response;
  }
  const status = (response.status in ERROR_CODES ? response.status : 400) as ErrorStatus;
  let body: { code?: unknown; message?: unknown } = {};
  try {
    body = await response.json();
  } catch { /* an empty error body: the status says it */ }
  const message = typeof body.message === 'string' && body.message
    ? body.message
    : `request refused (${response.status})`;
  const reason = typeof body.code === 'string' ? body.code : undefined;
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(errorBody(status, message, undefined, reason)), {
    status: asContentfulStatus(status),
    headers,
  });
}

export function accountsAuthRoutes(deps: EdgeDeps, remoteAddress: (c: Context) => string) {
  const app = new Hono<EdgeEnv>();
  app.use(
    `${AUTH_BASE_PATH}/*`,
    bodyLimit({
      maxSize: 16_384,
      onError: () => {
        throw new HttpError(413, 'body is larger than 16384 bytes');
      },
    }),
  );
  app.on(['GET', 'POST'], `${AUTH_BASE_PATH}/*`, async (c) => {
    const headers = new Headers(c.req.raw.headers);
    headers.set(CLIENT_IP_HEADER, clientAddress(deps, remoteAddress, c));
    const request = new Request(c.req.raw, { headers });
    const signIn = c.req.method === 'POST' && new URL(c.req.url).pathname === SIGN_IN_PATH;
    const email = signIn ? await signInEmail(request) : null;
    if (email) await assertLoginAllowed(deps, email);
    const response = await deps.auth.handler(request);
    if (email && response.status === 401) await recordLoginFailure(deps, email);
    if (response.status >= 500) {
      deps.log.error('accounts endpoint failed', {
        path: new URL(c.req.url).pathname,
        status: response.status,
      });
    }
    return await inEdgeShape(response);
  });
  return app;
}
