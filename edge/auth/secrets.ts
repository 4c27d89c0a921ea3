// How the edge makes, stores and checks secrets. All on Web Crypto, for Node and Deno.
import {
  hmacSha256,
  randomBase64Url,
  sha256Hex,
  timingSafeEqual,
  toBase64Url,
  utf8,
} from '../../core/wire/encoding.ts';

/** Stream keys carry a prefix so secret scanners and people recognise them. */
const STREAM_KEY_PREFIX = 'rk_';
const API_TOKEN_PREFIX = 'rct_';

export function newStreamKey(): string {
  return `${STREAM_KEY_PREFIX}${randomBase64Url(24)}`;
}

export function newApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBase64Url(32)}`;
}

export function newId(): string {
  return crypto.randomUUID();
}

/** A short, harmless hint to tell keys apart: `rk_AbCd…`. */
export function streamKeyHint(key: string): string {
  return `${key.slice(0, STREAM_KEY_PREFIX.length + 4)}…`;
}

/**
 * Stream keys and API tokens are 192+ bits of randomness, so a plain SHA-256 is enough to
 * store them safely and lets the edge look them up by hash in one query.
 */
export function hashToken(token: string): Promise<string> {
  return sha256Hex(token);
}

/**
 * A node's secret is derived from the cluster secret, the node id and a generation that
 * rotation bumps: the database never holds a usable node secret.
 */
export async function deriveNodeSecret(
  clusterSecret: string,
  nodeId: string,
  generation: number,
): Promise<string> {
  return toBase64Url(await hmacSha256(clusterSecret, `node:${nodeId}:${generation}`));
}

const PBKDF2_ITERATIONS = 210_000;

export async function hashPassword(
  password: string,
  iterations = PBKDF2_ITERATIONS,
): Promise<string> {
  const salt = randomBase64Url(16);
  return `pbkdf2-sha256$${iterations}$${salt}$${await pbkdf2(password, salt, iterations)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, salt, hash] = stored.split('$');
  if (scheme !== 'pbkdf2-sha256' || !iterations || !salt || !hash) return false;
  return timingSafeEqual(await pbkdf2(password, salt, Number(iterations)), hash);
}

async function pbkdf2(password: string, salt: string, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    utf8(password) as BufferSource,
    'PBKDF2',
    false,
    ['deriveBits'],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: utf8(salt) as BufferSource, iterations },
    key,
    256,
  );
  return toBase64Url(bits);
}
