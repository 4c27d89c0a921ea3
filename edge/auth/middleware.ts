// Who is calling: people with a bearer token or a page's session cookie (roles decide what
// they may do), boxes with a request signed by their node secret (replays refused through
// the live store).
import type { MiddlewareHandler } from 'hono';
import { claimedNodeId, verifyRequest } from '../../core/wire/signing.ts';
import type { Role } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import type { EdgeEnv } from '../env.ts';
import { HttpError } from '../http_error.ts';
import { liveKeys } from '../live_keys.ts';
import { type Account, accountForToken, findAccount } from '../services/accounts.ts';
import { findNode, nodeSecret } from '../services/registry.ts';

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? null;
}

/**
 * The account of a page's session cookie (better-auth), or null. Only for requests the
 * browser sends from the edge's own pages: the cookie is SameSite=Lax, and every API body
 * must be JSON, which no cross-site form can send.
 */
export async function accountForCookie(deps: EdgeDeps, headers: Headers): Promise<Account | null> {
  if (!headers.get('cookie')) return null;
  const session = await deps.auth.api.getSession({ headers }).catch(() => null);
  if (!session) return null;
  const account = await findAccount(deps, session.user.id);
  return account && !account.disabled ? account : null;
}

export function requireRole(deps: EdgeDeps, allowed: readonly Role[]): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    const account = token
      ? await accountForToken(deps, token)
      : await accountForCookie(deps, c.req.raw.headers);
    if (!account && !token) {
      throw new HttpError(
        401,
        'sign in first, or send an operator token (Authorization: Bearer <token>; see ' +
          '`roomcast login`)',
      );
    }
    if (!account) throw new HttpError(401, 'token is unknown, expired or revoked');
    if (!allowed.includes(account.role)) {
      throw new HttpError(
        403,
        `this needs one of the roles ${allowed.join(', ')}; you are ${account.role}`,
      );
    }
    c.set('account', account);
    await next();
  };
}

export function requireNode(
  deps: EdgeDeps,
  kinds: readonly ('encoder' | 'collector')[],
): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    const nodeId = claimedNodeId(c.req.raw.headers);
    if (!nodeId) {
      throw new HttpError(
        401,
        'request is not signed by a node (x-roomcast-node header missing or invalid)',
      );
    }
    const node = await findNode(deps, nodeId);
    // Same answer for unknown nodes and bad signatures: do not reveal which node ids exist.
    if (!node) {
      throw new HttpError(401, 'signature does not match (unknown node or wrong node secret)');
    }
    const url = new URL(c.req.url);
    const check = await verifyRequest(await nodeSecret(deps, node), c.req.raw.headers, {
      method: c.req.method,
      pathWithQuery: url.pathname + url.search,
      body: await c.req.text(),
    }, { maxSkewSeconds: deps.settings.signatureMaxSkewSeconds, nowMs: deps.now() });
    if (!check.ok) throw new HttpError(401, check.reason);
    const fresh = await deps.store.set(liveKeys.nonce(node.id, check.nonce), '1', {
      ttlMs: deps.settings.signatureMaxSkewSeconds * 2000,
      onlyIfAbsent: true,
    });
    if (!fresh) throw new HttpError(401, 'request was replayed (nonce already used)');
    if (!kinds.includes(node.kind)) {
      throw new HttpError(
        403,
        `node '${node.id}' is a ${node.kind}; this is for ${kinds.join(' or ')} nodes`,
      );
    }
    c.set('node', node);
    await next();
  };
}
