// GET /metrics: the edge's Prometheus metrics, outside /api/v1 where scrapers look for
// them. They name rooms and nodes, so a scrape needs a bearer token: edge.metrics.token
// (what prometheus.yml carries), or an operator's or admin's API token.
import { Hono } from 'hono';
import { EXPOSITION_CONTENT_TYPE } from '../../core/metrics/registry.ts';
import { timingSafeEqual } from '../../core/wire/encoding.ts';
import { bearerToken } from '../auth/middleware.ts';
import type { Role } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import type { EdgeEnv } from '../env.ts';
import { HttpError } from '../http_error.ts';
import { accountForToken } from '../services/accounts.ts';

const SCRAPER_ROLES: readonly Role[] = ['admin', 'operator'];

async function mayScrape(deps: EdgeDeps, token: string): Promise<boolean> {
  const configured = deps.settings.metrics.token;
  if (configured && timingSafeEqual(token, configured)) return true;
  const account = await accountForToken(deps, token);
  return account !== null && !account.disabled && SCRAPER_ROLES.includes(account.role);
}

export function metricsRoutes(deps: EdgeDeps) {
  const app = new Hono<EdgeEnv>();
  app.get('/metrics', async (c) => {
    const token = bearerToken(c.req.header('authorization'));
    // One answer for a missing and a wrong token: nothing to learn by probing.
    if (!token || !(await mayScrape(deps, token))) {
      throw new HttpError(
        401,
        'metrics need Authorization: Bearer <edge.metrics.token> (or an operator token)',
      );
    }
    let text: string;
    try {
      text = await deps.metrics.registry.expose(deps);
    } catch (error) {
      deps.log.error('metrics could not be read', { error: String(error) });
      throw new HttpError(503, 'metrics could not be read now; it has been logged');
    }
    return c.body(text, 200, {
      'content-type': EXPOSITION_CONTENT_TYPE,
      'cache-control': 'no-store',
    });
  });
  return app;
}
