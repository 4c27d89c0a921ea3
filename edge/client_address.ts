// The caller's address, for per-address limits (chat, sign-in): the connection's, or the
// last X-Forwarded-For entry where the edge is told a proxy sets it.
import type { Context } from 'hono';
import type { EdgeDeps } from './deps.ts';

export function clientAddress(
  deps: EdgeDeps,
  remoteAddress: (c: Context) => string,
  c: Context,
): string {
  if (deps.settings.chat.trustForwardedFor) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded.slice(0, 64);
  }
  return remoteAddress(c).slice(0, 64) || 'unknown';
}
