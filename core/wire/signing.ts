// Requests between boxes (encoder agents, collectors) and the edge are signed with the
// box's node secret: HMAC-SHA256 over method, path (with query), timestamp, a nonce and
// the body's hash. The edge refuses stale timestamps and nonces it has already seen,
// so a captured request cannot be replayed.
import { hmacSha256, randomBase64Url, sha256Hex, timingSafeEqual, toHex } from './encoding.ts';

export const SIGNATURE_HEADERS = {
  node: 'x-roomcast-node',
  timestamp: 'x-roomcast-timestamp',
  nonce: 'x-roomcast-nonce',
  signature: 'x-roomcast-signature',
} as const;

const SIGNATURE_VERSION = 'v1';

export interface SignedRequestParts {
  method: string;
  /** Path and query, e.g. `/api/v1/hooks/publish?x=1`. */
  pathWithQuery: string;
  body: string;
}

async function computeSignature(
  secret: string,
  parts: SignedRequestParts,
  timestamp: string,
  nonce: string,
): Promise<string> {
  const canonical = [
    parts.method.toUpperCase(),
    parts.pathWithQuery,
    timestamp,
    nonce,
    await sha256Hex(parts.body),
  ].join('\n');
  return `${SIGNATURE_VERSION}=${toHex(await hmacSha256(secret, canonical))}`;
}

/** Headers that authenticate one request from `nodeId`. */
export async function signRequest(
  nodeId: string,
  secret: string,
  parts: SignedRequestParts,
  nowMs: number = Date.now(),
): Promise<Record<string, string>> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const nonce = randomBase64Url(16);
  return {
    [SIGNATURE_HEADERS.node]: nodeId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: await computeSignature(secret, parts, timestamp, nonce),
  };
}

export type SignatureCheck =
  | { ok: true; nodeId: string; nonce: string }
  | { ok: false; reason: string };

/** The claimed node id, read before the secret is known (the secret depends on it). */
export function claimedNodeId(headers: Headers): string | null {
  const nodeId = headers.get(SIGNATURE_HEADERS.node);
  return nodeId && /^[a-z0-9][a-z0-9-]{0,62}$/.test(nodeId) ? nodeId : null;
}

/**
 * Checks signature and freshness. Replay protection needs shared state, so the caller
 * must still remember `nonce` for twice the allowed skew and refuse it when seen again.
 */
export async function verifyRequest(
  secret: string,
  headers: Headers,
  parts: SignedRequestParts,
  options: { maxSkewSeconds: number; nowMs?: number },
): Promise<SignatureCheck> {
  const nodeId = claimedNodeId(headers);
  const timestamp = headers.get(SIGNATURE_HEADERS.timestamp);
  const nonce = headers.get(SIGNATURE_HEADERS.nonce);
  const signature = headers.get(SIGNATURE_HEADERS.signature);
  if (!nodeId || !timestamp || !nonce || !signature) {
    return {
      ok: false,
      reason:
        'request is not signed (x-roomcast-node, -timestamp, -nonce and -signature headers are required)',
    };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: 'x-roomcast-timestamp must be unix seconds' };
  }
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) {
    return { ok: false, reason: 'x-roomcast-nonce must be 16-64 base64url characters' };
  }
  const skew = Math.abs((options.nowMs ?? Date.now()) / 1000 - Number(timestamp));
  if (skew > options.maxSkewSeconds) {
    return {
      ok: false,
      reason: `request timestamp is ${
        Math.round(skew)
      } s away from the edge's clock (more than ${options.maxSkewSeconds} s): check the box's clock (NTP)`,
    };
  }
  const expected = await computeSignature(secret, parts, timestamp, nonce);
  if (!timingSafeEqual(expected, signature)) {
    return {
      ok: false,
      reason: 'signature does not match (wrong node secret, or the request was altered)',
    };
  }
  return { ok: true, nodeId, nonce };
}
