// The control-room API (admins and operators, by bearer token or page cookie): the event
// snapshot and its live stream, the pictures of each room, alerts and their webhook
// deliveries, and the room actions.
import { streamSSE } from 'hono/streaming';
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';
import { requireRole } from '../auth/middleware.ts';
import { acknowledgeAlert, listAlerts } from '../alerts/alert_list.ts';
import { listDeliveries, retryDelivery } from '../alerts/webhooks.ts';
import { controlPicture, controlRoomSnapshot } from '../control/control_room.ts';
import { endRoomSession, moveRoom, restartRoomPipeline } from '../control/room_actions.ts';
import type { Account } from '../services/accounts.ts';
import {
  createRoute,
  describeIssues,
  ERROR_RESPONSES,
  idParams,
  jsonBody,
  newRouter,
  okSchema,
  responses,
  SECURITY,
} from './route.ts';
import * as s from './control_schemas.ts';
import { binaryFileSchema, list } from './schemas.ts';

const STAFF = ['admin', 'operator'] as const;
/** How often a live stream looks for changes; it sends only when there is one. */
const STREAM_POLL_MS = 1000;
/** A comment this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

const who = (account: Account) => account.name || account.email;

export function controlRoutes(deps: EdgeDeps) {
  const app = newRouter();
  const staff = requireRole(deps, STAFF);
  for (const path of ['/control', '/control/*', '/alerts', '/alerts/*']) app.use(path, staff);
  app.use('/rooms/:id/pipeline/restart', staff);
  app.use('/rooms/:id/move', staff);
  app.use('/rooms/:id/session/end', staff);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/control',
      tags: ['control room'],
      summary: "An event's rooms as tiles, the nodes and the open alerts, as of now",
      security: SECURITY.operator,
      request: { query: s.controlQuerySchema },
      responses: responses(s.controlRoomSchema, 200),
    }),
    async (c) =>
      c.json(await controlRoomSnapshot(deps, c.req.valid('query').event), 200, {
        'cache-control': 'no-store',
      }),
  );

  // The live stream is not in the OpenAPI document (an event stream never ends, so the
  // fuzzer would wait on it for good; like chat's, it has its own tests).
  app.get(
    '/control/stream',
    async (c) => {
      const query = s.controlQuerySchema.safeParse(c.req.query());
      if (!query.success) {
        const issues = describeIssues(query.error);
        throw new HttpError(400, `invalid query: ${issues.join('; ')}`, issues);
      }
      const { event } = query.data;
      await controlRoomSnapshot(deps, event); // an unknown event is a 404, before the stream
      return streamSSE(c, async (stream) => {
        let last = '';
        let quietSince = Date.now();
        while (!stream.aborted && !stream.closed) {
          try {
            const text = JSON.stringify(await controlRoomSnapshot(deps, event));
            if (text !== last) {
              await stream.writeSSE({ event: 'snapshot', data: text });
              last = text;
              quietSince = Date.now();
            } else if (Date.now() - quietSince >= KEEPALIVE_MS) {
              await stream.write(': keep-alive\n\n');
              quietSince = Date.now();
            }
          } catch (error) {
            // The page keeps its last picture and says the stream is behind; the next
            // pass tries again.
            await stream.writeSSE({
              event: 'problem',
              data: JSON.stringify({ message: String((error as Error).message).slice(0, 200) }),
            });
          }
          await stream.sleep(STREAM_POLL_MS);
        }
      });
    },
  );

  for (const which of ['preview', 'output'] as const) {
    app.openapi(
      createRoute({
        method: 'get',
        path: `/control/rooms/{id}/${which}.jpg`,
        tags: ['control room'],
        summary: which === 'preview'
          ? "The venue box's latest preview of the room (before the encode), in any state"
          : "The encoder's latest look at the room's output: what viewers get",
        security: SECURITY.operator,
        request: { params: idParams },
        responses: {
          ...ERROR_RESPONSES,
          200: {
            description: 'a small JPEG',
            content: { 'image/jpeg': { schema: binaryFileSchema } },
          },
        },
      }),
      async (c) => {
        const jpeg = await controlPicture(deps, c.req.valid('param').id, which);
        return c.body(jpeg.buffer as ArrayBuffer, 200, {
          'content-type': 'image/jpeg',
          // Staff-only: a shared cache must not keep it; the URL changes with each picture.
          'cache-control': 'private, max-age=60',
        });
      },
    );
  }

  // ------------------------------------------------------------ alerts
  app.openapi(
    createRoute({
      method: 'get',
      path: '/alerts',
      tags: ['alerts'],
      summary: 'Open alerts, or the latest open and resolved ones, newest first',
      security: SECURITY.operator,
      request: { query: s.alertListQuerySchema },
      responses: responses(list('alerts', s.alertSchema), 200),
    }),
    async (c) => {
      const { open, limit } = c.req.valid('query');
      return c.json({ alerts: await listAlerts(deps, { openOnly: open === 'true', limit }) }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/alerts/{id}/ack',
      tags: ['alerts'],
      summary: 'Acknowledge an alert: someone is on it (it stays open until its condition ends)',
      security: SECURITY.operator,
      request: { params: s.alertIdParams },
      responses: responses(s.alertSchema, 200),
    }),
    async (c) =>
      c.json(await acknowledgeAlert(deps, c.req.valid('param').id, who(c.get('account'))), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/alerts/deliveries',
      tags: ['alerts'],
      summary: 'Webhook deliveries, newest first; `state=dead` is the dead-letter list',
      security: SECURITY.operator,
      request: { query: s.deliveryListQuerySchema },
      responses: responses(list('deliveries', s.deliverySchema), 200),
    }),
    async (c) => {
      const { state, limit } = c.req.valid('query');
      return c.json({ deliveries: await listDeliveries(deps, state, limit) }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/alerts/deliveries/{id}/retry',
      tags: ['alerts'],
      summary: 'Send a dead delivery again, with fresh attempts',
      security: SECURITY.operator,
      request: { params: s.alertIdParams },
      responses: responses(okSchema, 200),
    }),
    async (c) => {
      await retryDelivery(deps, c.req.valid('param').id);
      return c.json({ ok: true as const }, 200);
    },
  );

  // ------------------------------------------------------------ room actions
  app.openapi(
    createRoute({
      method: 'post',
      path: '/rooms/{id}/pipeline/restart',
      tags: ['control room'],
      summary: "Restart the room's ladder on its encoder (a fresh ffmpeg, same playlists)",
      security: SECURITY.operator,
      request: { params: idParams },
      responses: responses(s.restartResultSchema, 202),
    }),
    async (c) =>
      c.json(await restartRoomPipeline(deps, c.req.valid('param').id, who(c.get('account'))), 202),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/rooms/{id}/move',
      tags: ['control room'],
      summary: 'Pin the room to another encoder; a live publish reconnects there',
      security: SECURITY.operator,
      request: { params: idParams, body: jsonBody(s.moveBodySchema) },
      responses: responses(s.moveResultSchema, 202),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { encoderNodeId } = c.req.valid('json');
      return c.json(await moveRoom(deps, id, encoderNodeId, who(c.get('account'))), 202);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/rooms/{id}/session/end',
      tags: ['control room'],
      summary: "End the room's publish (a collector reconnects; rotate the key to keep it off)",
      security: SECURITY.operator,
      request: { params: idParams },
      responses: responses(s.endResultSchema, 202),
    }),
    async (c) =>
      c.json(await endRoomSession(deps, c.req.valid('param').id, who(c.get('account'))), 202),
  );
  return app;
}
