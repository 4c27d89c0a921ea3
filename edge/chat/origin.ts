// Chat trusts a cookie, so a page on another site must not be able to use it: a browser
// sends the chat cookie with a WebSocket handshake from any page, and the handshake is not
// held to CORS. Every chat request that names an Origin must name one of ours: the edge
// itself (as the request reached it, or as `publicUrl` says, behind a proxy) or a listed
// CORS origin. Requests without an Origin are not from a page (a CLI, a test client) and
// carry no victim's cookie, so they pass.
import type { MiddlewareHandler } from 'hono';
import type { EdgeDeps } from '../deps.ts';
import type { EdgeEnv } from '../env.ts';
import { HttpError } from '../http_error.ts';

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export function chatOriginCheck(deps: EdgeDeps): MiddlewareHandler<EdgeEnv> {
  const trusted = new Set(
    [deps.settings.publicUrl, ...deps.settings.corsOrigins]
      .map(originOf)
      .filter((origin): origin is string => origin !== null),
  );
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && !isOurs(origin, c.req.url, c.req.header('host'))) {
      throw new HttpError(
        403,
        `chat does not accept requests from pages on ${
          origin === 'null' ? 'an opaque origin' : `'${origin.slice(0, 100)}'`
        }; add it to edge.corsOrigins to allow it`,
      );
    }
    await next();
  };

  function isOurs(origin: string, requestUrl: string, host: string | undefined): boolean {
    if (trusted.has(origin)) return true;
    const parsed = originOf(origin);
    if (!parsed || parsed !== origin) return false; // 'null', or not a bare origin
    // Same origin as this request: the browser sets Host, a page cannot.
    const url = new URL(requestUrl);
    return new URL(origin).host === (host ?? url.host);
  }
}
