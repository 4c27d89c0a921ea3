// Box-to-edge API, every request signed by the box's node secret: nginx-rtmp hooks relayed
// by encoder agents, registration and heartbeats, and the collector's ingest question.
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
} from '../../core/wire/contracts.ts';
import type { EdgeDeps } from '../deps.ts';
import type { NodeRecord } from '../env.ts';
import { HttpError } from '../http_error.ts';
import { requireNode } from '../auth/middleware.ts';
import {
  authorizePlay,
  authorizePublish,
  handlePublishDone,
  handleUpdate,
} from '../services/publish.ts';
import { assignIngest, recordHeartbeat, registerNode } from '../services/registry.ts';
import { createRoute, jsonBody, newRouter, okSchema, responses, SECURITY } from './route.ts';

/** The body says which node it speaks for; it must be the node that signed it. */
function assertSameNode(node: NodeRecord, claimed: string) {
  if (claimed !== node.id) {
    throw new HttpError(403, `request signed by node '${node.id}' speaks for '${claimed}'`);
  }
}

export function nodeRoutes(deps: EdgeDeps) {
  const app = newRouter();
  app.use('/node/hooks/*', requireNode(deps, ['encoder']));
  app.use('/node/register', requireNode(deps, ['encoder', 'collector']));
  app.use('/node/heartbeat', requireNode(deps, ['encoder', 'collector']));
  app.use('/node/ingest', requireNode(deps, ['collector']));

  const route = <B extends z.ZodType, R extends z.ZodType>(
    path: string,
    summary: string,
    body: B,
    response: R,
  ) =>
    createRoute({
      method: 'post',
      path,
      tags: ['nodes (signed)'],
      summary,
      security: SECURITY.node,
      request: { body: jsonBody(body) },
      responses: responses(response, 200),
    });

  app.openapi(
    route(
      '/node/hooks/publish',
      'nginx-rtmp on_publish: may this key publish, and as which room?',
      publishRequestSchema,
      publishDecisionSchema,
    ),
    async (c) => {
      const body = c.req.valid('json');
      assertSameNode(c.get('node'), body.nodeId);
      return c.json(await authorizePublish(deps, c.get('node'), body), 200);
    },
  );
  app.openapi(
    route(
      '/node/hooks/update',
      'nginx-rtmp on_update (relayed asynchronously): continue or cut off',
      updateRequestSchema,
      updateDecisionSchema,
    ),
    async (c) => {
      const body = c.req.valid('json');
      assertSameNode(c.get('node'), body.nodeId);
      return c.json(await handleUpdate(deps, c.get('node'), body), 200);
    },
  );
  app.openapi(
    route(
      '/node/hooks/publish-done',
      'nginx-rtmp on_publish_done: the publish ended',
      publishDoneRequestSchema,
      okSchema,
    ),
    async (c) => {
      const body = c.req.valid('json');
      assertSameNode(c.get('node'), body.nodeId);
      await handlePublishDone(deps, c.get('node'), body);
      return c.json({ ok: true as const }, 200);
    },
  );
  app.openapi(
    route(
      '/node/hooks/play',
      'nginx-rtmp on_play: may this RTMP player watch the room?',
      playRequestSchema,
      playDecisionSchema,
    ),
    async (c) => {
      const body = c.req.valid('json');
      assertSameNode(c.get('node'), body.nodeId);
      return c.json(await authorizePlay(deps, c.get('node'), body), 200);
    },
  );
  app.openapi(
    route(
      '/node/register',
      'A node starts: its URLs and capacity',
      registerRequestSchema,
      registerResponseSchema,
    ),
    async (c) => {
      const body = c.req.valid('json');
      assertSameNode(c.get('node'), body.nodeId);
      return c.json(await registerNode(deps, c.get('node'), body), 200);
    },
  );
  app.openapi(
    route(
      '/node/heartbeat',
      'A node is alive: load, rooms, viewers, levels',
      heartbeatSchema,
      heartbeatResponseSchema,
    ),
    async (c) => {
      const body = c.req.valid('json');
      assertSameNode(c.get('node'), body.nodeId);
      return c.json(await recordHeartbeat(deps, c.get('node'), body), 200);
    },
  );
  app.openapi(
    route(
      '/node/ingest',
      'A collector asks which encoder to push its room to',
      ingestRequestSchema,
      ingestResponseSchema,
    ),
    async (c) => {
      const body = c.req.valid('json');
      assertSameNode(c.get('node'), body.nodeId);
      return c.json(await assignIngest(deps, body.room), 200);
    },
  );
  return app;
}
