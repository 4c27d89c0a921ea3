// The public API players and pages use: no login. Live rooms with where to play them, one
// room with its renditions, and playback grants (short-lived tokens nginx checks).
import { playbackGrantSchema } from '../../core/wire/contracts.ts';
import { DEFAULT_LADDER } from '../../core/wire/ladder.ts';
import type { EdgeDeps } from '../deps.ts';
import {
  grantPlayback,
  listPublicRooms,
  publicRoomDetail,
  recordViewerHeartbeat,
  roomThumbnail,
} from '../services/viewing.ts';
import {
  createRoute,
  ERROR_RESPONSES,
  idParams,
  jsonBody,
  newRouter,
  responses,
  SECURITY,
} from './route.ts';
import * as s from './schemas.ts';

export function publicRoutes(deps: EdgeDeps) {
  const app = newRouter();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/public/rooms',
      tags: ['public'],
      summary: 'Rooms with their state and where to play them',
      security: SECURITY.public,
      request: { query: s.publicRoomListQuerySchema },
      responses: responses(s.list('rooms', s.publicRoomSchema), 200),
    }),
    async (c) => {
      const query = c.req.valid('query');
      return c.json({
        rooms: await listPublicRooms(deps, {
          eventId: query.event,
          liveOnly: query.live === 'true',
        }),
      }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/public/rooms/{id}',
      tags: ['public'],
      summary: 'One room with its renditions and chat URL',
      security: SECURITY.public,
      request: { params: idParams },
      responses: responses(s.publicRoomDetailSchema, 200),
    }),
    async (c) =>
      c.json(await publicRoomDetail(deps, c.req.valid('param').id, [...DEFAULT_LADDER]), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/public/rooms/{id}/playback',
      tags: ['public'],
      summary: 'A playback grant: master playlist URL with a short-lived token',
      security: SECURITY.public,
      request: { params: idParams, body: jsonBody(s.playbackBodySchema) },
      responses: responses(playbackGrantSchema, 200),
    }),
    async (c) =>
      c.json(await grantPlayback(deps, c.req.valid('param').id, c.req.valid('json').session), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/public/rooms/{id}/heartbeat',
      tags: ['public'],
      summary: "A player's heartbeat (every 30 s): keeps its session counted; answers the state",
      security: SECURITY.public,
      request: { params: idParams, body: jsonBody(s.viewerHeartbeatBodySchema) },
      responses: responses(s.viewerHeartbeatAnswerSchema, 200),
    }),
    async (c) =>
      c.json(
        await recordViewerHeartbeat(deps, c.req.valid('param').id, c.req.valid('json')),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/public/rooms/{id}/thumbnail.jpg',
      tags: ['public'],
      summary: "The live room's latest preview picture (JPEG), for room lists",
      security: SECURITY.public,
      request: { params: idParams },
      responses: {
        ...ERROR_RESPONSES,
        200: {
          description: 'a small JPEG',
          content: { 'image/jpeg': { schema: s.binaryFileSchema } },
        },
      },
    }),
    async (c) => {
      const jpeg = await roomThumbnail(deps, c.req.valid('param').id);
      // Its URL changes with every preview (`?at=`); the bare URL is always the latest.
      return c.body(jpeg.buffer as ArrayBuffer, 200, {
        'content-type': 'image/jpeg',
        'cache-control': 'public, max-age=5',
      });
    },
  );
  return app;
}
