// Box-to-edge API, every request signed by the box's node secret: nginx-rtmp hooks relayed
// by encoder agents, registration and heartbeats, the collector's ingest question, and the
// watchdog reports of both kinds of box.
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import {
  heartbeatResponseSchema,
  heartbeatSchema,
  ingestRequestSchema,
  ingestResponseSchema,
  playDecisionSchema,
  playRequestSchema,
  publishDecisionSchema,
  publishDoneRequestSchema,
  publishRequestSchema,
  registerRequestSchema,
  registerResponseSchema,
  updateDecisionSchema,
  updateRequestSchema,
  watchdogAckSchema,
  watchdogReportSchema,
} from '../../core/wire/contracts.ts';
import type { EdgeDeps } from '../deps.ts';
import type { EdgeEnv, NodeRecord } from '../env.ts';
import { HttpError } from '../http_error.ts';
import { requireNode } from '../auth/middleware.ts';
import {
  authorizePlay,
  authorizePublish,
  handlePublishDone,
  handleUpdate,
} from '../services/publish.ts';
import { assignIngest, recordHeartbeat, registerNode } from '../services/registry.ts';
import { recordWatchdogReport } from '../services/watchdog_reports.ts';
import type { TimedHook } from '../metrics/edge_metrics.ts';
import { createRoute, jsonBody, newRouter, okSchema, responses, SECURITY } from './route.ts';

/** The body says which node it speaks for; it must be the node that signed it. */
function assertSameNode(node: NodeRecord, claimed: string) {
  if (claimed !== node.id) {
    throw new HttpError(403, `request signed by node '${node.id}' speaks for '${claimed}'`);
  }
}

/** The requests a box waits on, timed for roomcast_edge_hook_duration_seconds. */
const TIMED_PATHS: [string, TimedHook][] = [
  ['/node/hooks/publish', 'publish'],
  ['/node/hooks/update', 'update'],
  ['/node/hooks/publish-done', 'publish_done'],
  ['/node/hooks/play', 'play'],
  ['/node/heartbeat', 'heartbeat'],
];

/** Times the whole answer; a 4xx (bad signature, malformed body, rate limit) is a refusal. */
function timed(deps: EdgeDeps, hook: TimedHook): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    const done = deps.metrics.hookDuration.startTimer({ hook });
    try {
      await next();
    } finally {
      done();
    }
    if (c.res.status >= 400 && c.res.status < 500) deps.metrics.hookRefusals.inc({ hook });
  };
}

export function nodeRoutes(deps: EdgeDeps) {
  const app = newRouter();
  // Before the signature check: the box waits for that too.
  for (const [path, hook] of TIMED_PATHS) app.use(path, timed(deps, hook));
  app.use('/node/hooks/*', requireNode(deps, ['encoder']));
  app.use('/node/register', requireNode(deps, ['encoder', 'collector']));
  app.use('/node/heartbeat', requireNode(deps, ['encoder', 'collector']));
  app.use('/node/ingest', requireNode(deps, ['collector']));
  app.use('/node/watchdog', requireNode(deps, ['encoder', 'collector']));

  /**
   * One signed POST route: validates the body against its wire shape, checks the body
   * speaks for the node that signed it, and answers what the service returns.
   */
  const signed = <B extends z.ZodType<{ nodeId: string }>, R extends z.ZodType>(
    path: string,
    summary: string,
    body: B,
    response: R,
    handle: (node: NodeRecord, request: z.infer<B>) => Promise<z.infer<R>>,
  ) => {
    const route = createRoute({
      method: 'post',
      path,
      tags: ['nodes (signed)'],
      summary,
      security: SECURITY.node,
      request: { body: jsonBody(body) },
      responses: responses(response, 200),
    });
    // The route's typed handler cannot be inferred through the generic; the shapes are
    // still checked at run time by the route's validator.
    app.openapi(route, async (c) => {
      const request = c.req.valid('json' as never) as z.infer<B>;
      assertSameNode(c.get('node'), request.nodeId);
      return c.json(await handle(c.get('node'), request) as never, 200);
    });
  };

  /** A decision that says no (refuse, cut off) counts as a refusal of its hook. */
  const noted = <T>(hook: TimedHook, answer: T, isNo: (answer: T) => boolean): T => {
    if (isNo(answer)) deps.metrics.hookRefusals.inc({ hook });
    return answer;
  };

  signed(
    '/node/hooks/publish',
    'nginx-rtmp on_publish: may this key publish, and as which room?',
    publishRequestSchema,
    publishDecisionSchema,
    async (node, request) =>
      noted('publish', await authorizePublish(deps, node, request), (a) => a.decision === 'refuse'),
  );
  signed(
    '/node/hooks/update',
    'nginx-rtmp on_update (relayed asynchronously): continue or cut off',
    updateRequestSchema,
    updateDecisionSchema,
    async (node, request) =>
      noted('update', await handleUpdate(deps, node, request), (a) => a.decision === 'cutOff'),
  );
  signed(
    '/node/hooks/publish-done',
    'nginx-rtmp on_publish_done: the publish ended',
    publishDoneRequestSchema,
    okSchema,
    async (node, request) => {
      await handlePublishDone(deps, node, request);
      return { ok: true as const };
    },
  );
  signed(
    '/node/hooks/play',
    'nginx-rtmp on_play: may this RTMP player watch the room?',
    playRequestSchema,
    playDecisionSchema,
    async (node, request) =>
      noted('play', await authorizePlay(deps, node, request), (a) => a.decision === 'refuse'),
  );
  signed(
    '/node/register',
    'A node starts: its URLs and capacity',
    registerRequestSchema,
    registerResponseSchema,
    (node, request) => registerNode(deps, node, request),
  );
  signed(
    '/node/heartbeat',
    'A node is alive: load, rooms, viewers, levels',
    heartbeatSchema,
    heartbeatResponseSchema,
    (node, request) => recordHeartbeat(deps, node, request),
  );
  signed(
    '/node/ingest',
    'A collector asks which encoder to push its room to',
    ingestRequestSchema,
    ingestResponseSchema,
    (_node, request) => assignIngest(deps, request.room),
  );
  signed(
    '/node/watchdog',
    "The box's watchdog: its checks, what it did, what needs a person (no registration needed)",
    watchdogReportSchema,
    watchdogAckSchema,
    (node, report) => recordWatchdogReport(deps, node, report),
  );
  return app;
}
