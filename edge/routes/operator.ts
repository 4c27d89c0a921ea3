// The operator API: login and tokens, accounts, events, rooms, stream keys and nodes.
// Admins and operators may do everything here except accounts (admins only); streamers
// manage the stream keys of their own rooms.
import type { EdgeDeps } from '../deps.ts';
import type { EdgeEnv } from '../env.ts';
import { HttpError } from '../http_error.ts';
import { requireRole } from '../auth/middleware.ts';
import {
  createAccount,
  issueToken,
  listAccounts,
  login,
  revokeToken,
} from '../services/accounts.ts';
import {
  createEvent,
  createRoom,
  deleteEvent,
  deleteRoom,
  getEvent,
  getRoom,
  listEvents,
  listRooms,
  updateEvent,
  updateRoom,
} from '../services/rooms.ts';
import {
  createStreamKey,
  listStreamKeys,
  revokeStreamKey,
  rotateStreamKeys,
} from '../services/stream_keys.ts';
import {
  addNode,
  collectorReport,
  listNodes,
  removeNode,
  rotateNodeSecret,
} from '../services/registry.ts';
import { ingestReport } from '../services/viewing.ts';
import {
  createRoute,
  idParams,
  jsonBody,
  newRouter,
  okSchema,
  responses,
  SECURITY,
} from './route.ts';
import * as s from './schemas.ts';
import { toIso } from '../iso_time.ts';
import { ROLES } from '../db/schema.ts';

const STAFF = ['admin', 'operator'] as const;
const KEY_MANAGERS = ['admin', 'operator', 'streamer'] as const;

export function operatorRoutes(deps: EdgeDeps) {
  const app = newRouter();
  const staff = requireRole(deps, STAFF);
  const anyone = requireRole(deps, ROLES);
  const keyManagers = requireRole(deps, KEY_MANAGERS);

  /** Owners may only touch their own rooms' keys. */
  const assertMayManageKeys = async (account: EdgeEnv['Variables']['account'], roomId: string) => {
    const room = await getRoom(deps, roomId);
    if (account.role === 'streamer' && room.ownerAccountId !== account.id) {
      throw new HttpError(403, `you do not own room '${roomId}'`);
    }
  };

  // ------------------------------------------------------------ auth
  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/login',
      tags: ['auth'],
      summary: 'Log in with email and password',
      security: SECURITY.public,
      request: { body: jsonBody(s.loginBodySchema) },
      responses: responses(s.loginResultSchema, 200),
    }),
    async (c) => {
      const { email, password } = c.req.valid('json');
      const result = await login(deps, email, password);
      return c.json({
        token: result.token,
        expiresAt: toIso(result.expiresAt),
        account: result.account,
      }, 200);
    },
  );

  app.use('/auth/logout', anyone);
  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/logout',
      tags: ['auth'],
      summary: 'Revoke the token this request carries',
      security: SECURITY.operator,
      responses: responses(okSchema, 200),
    }),
    async (c) => {
      await revokeToken(deps, c.req.header('authorization')!.replace(/^Bearer\s+/i, ''));
      return c.json({ ok: true as const }, 200);
    },
  );

  app.use('/me', anyone);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/me',
      tags: ['auth'],
      summary: 'Who this token belongs to',
      security: SECURITY.operator,
      responses: responses(s.accountSchema, 200),
    }),
    (c) => c.json(c.get('account'), 200),
  );

  app.use('/tokens', anyone);
  app.openapi(
    createRoute({
      method: 'post',
      path: '/tokens',
      tags: ['auth'],
      summary: 'Create a long-lived API token for scripts',
      security: SECURITY.operator,
      request: { body: jsonBody(s.createTokenBodySchema) },
      responses: responses(s.tokenResultSchema, 201),
    }),
    async (c) => {
      const { token, expiresAt } = await issueToken(
        deps,
        c.get('account').id,
        c.req.valid('json').label,
        null,
      );
      return c.json({ token, expiresAt: toIso(expiresAt) }, 201);
    },
  );

  // ------------------------------------------------------------ accounts (admins)
  app.use('/accounts', requireRole(deps, ['admin']));
  app.openapi(
    createRoute({
      method: 'get',
      path: '/accounts',
      tags: ['accounts'],
      summary: 'List accounts',
      security: SECURITY.operator,
      responses: responses(s.list('accounts', s.accountSchema), 200),
    }),
    async (c) => c.json({ accounts: await listAccounts(deps) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/accounts',
      tags: ['accounts'],
      summary: 'Create an account',
      security: SECURITY.operator,
      request: { body: jsonBody(s.createAccountBodySchema) },
      responses: responses(s.accountSchema, 201),
    }),
    async (c) => c.json(await createAccount(deps, c.req.valid('json')), 201),
  );

  // ------------------------------------------------------------ events
  app.use('/events', staff);
  app.use('/events/*', staff);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/events',
      tags: ['events'],
      summary: 'List events',
      security: SECURITY.operator,
      responses: responses(s.list('events', s.eventSchema), 200),
    }),
    async (c) => c.json({ events: await listEvents(deps) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/events',
      tags: ['events'],
      summary: 'Create an event',
      security: SECURITY.operator,
      request: { body: jsonBody(s.createEventBodySchema) },
      responses: responses(s.eventSchema, 201),
    }),
    async (c) => c.json(await createEvent(deps, c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/events/{id}',
      tags: ['events'],
      summary: 'One event',
      security: SECURITY.operator,
      request: { params: idParams },
      responses: responses(s.eventSchema, 200),
    }),
    async (c) => c.json(await getEvent(deps, c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'patch',
      path: '/events/{id}',
      tags: ['events'],
      summary: 'Change an event (title, times, state)',
      security: SECURITY.operator,
      request: { params: idParams, body: jsonBody(s.updateEventBodySchema) },
      responses: responses(s.eventSchema, 200),
    }),
    async (c) => c.json(await updateEvent(deps, c.req.valid('param').id, c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/events/{id}',
      tags: ['events'],
      summary: 'Delete an event (its rooms stay, detached)',
      security: SECURITY.operator,
      request: { params: idParams },
      responses: responses(okSchema, 200),
    }),
    async (c) => {
      await deleteEvent(deps, c.req.valid('param').id);
      return c.json({ ok: true as const }, 200);
    },
  );

  // ------------------------------------------------------------ rooms
  app.on(['POST', 'PATCH', 'DELETE'], '/rooms', staff);
  app.on(['GET'], '/rooms', anyone);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/rooms',
      tags: ['rooms'],
      summary: 'List rooms (streamers see their own)',
      security: SECURITY.operator,
      request: { query: s.roomListQuerySchema },
      responses: responses(s.list('rooms', s.roomSchema), 200),
    }),
    async (c) => {
      const account = c.get('account');
      if (account.role === 'viewer') throw new HttpError(403, 'viewers have no operator access');
      const rooms = await listRooms(deps, { eventId: c.req.valid('query').event });
      return c.json({
        rooms: account.role === 'streamer'
          ? rooms.filter((r) => r.ownerAccountId === account.id)
          : rooms,
      }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/rooms',
      tags: ['rooms'],
      summary: 'Create a room (and, unless withKey is false, its first stream key)',
      security: SECURITY.operator,
      request: { body: jsonBody(s.createRoomBodySchema) },
      responses: responses(s.createdRoomSchema, 201),
    }),
    async (c) => {
      const { withKey, ...input } = c.req.valid('json');
      const room = await createRoom(deps, input);
      const streamKey = withKey === false ? null : await createStreamKey(deps, room.id);
      return c.json({ room, streamKey }, 201);
    },
  );
  app.on(['PATCH', 'DELETE'], '/rooms/:id', staff);
  app.on(['GET'], '/rooms/:id', staff);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/rooms/{id}',
      tags: ['rooms'],
      summary: 'One room',
      security: SECURITY.operator,
      request: { params: idParams },
      responses: responses(s.roomSchema, 200),
    }),
    async (c) => c.json(await getRoom(deps, c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'patch',
      path: '/rooms/{id}',
      tags: ['rooms'],
      summary: 'Change a room (title, event, owner, ladder, encoder pin)',
      security: SECURITY.operator,
      request: { params: idParams, body: jsonBody(s.updateRoomBodySchema) },
      responses: responses(s.roomSchema, 200),
    }),
    async (c) => c.json(await updateRoom(deps, c.req.valid('param').id, c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/rooms/{id}',
      tags: ['rooms'],
      summary: 'Delete a room that is not live',
      security: SECURITY.operator,
      request: { params: idParams },
      responses: responses(okSchema, 200),
    }),
    async (c) => {
      await deleteRoom(deps, c.req.valid('param').id);
      return c.json({ ok: true as const }, 200);
    },
  );

  app.on(['GET'], '/rooms/:id/collector', staff);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/rooms/{id}/collector',
      tags: ['rooms'],
      summary: "The room's collector as it last reported: state, input, levels, uplink, preview",
      security: SECURITY.operator,
      request: { params: idParams },
      responses: responses(s.collectorReportSchema, 200),
    }),
    async (c) => c.json(await collectorReport(deps, c.req.valid('param').id), 200),
  );

  app.on(['GET'], '/rooms/:id/ingest', staff);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/rooms/{id}/ingest',
      tags: ['rooms'],
      summary: "The room's incoming stream as its encoder sees it: keyframes, advice, renditions",
      security: SECURITY.operator,
      request: { params: idParams },
      responses: responses(s.ingestReportSchema, 200),
    }),
    async (c) => c.json(await ingestReport(deps, c.req.valid('param').id), 200),
  );

  // ------------------------------------------------------------ stream keys
  app.use('/rooms/:id/keys', keyManagers);
  app.use('/rooms/:id/keys/*', keyManagers);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/rooms/{id}/keys',
      tags: ['stream keys'],
      summary: "List a room's keys (hints only, never the keys)",
      security: SECURITY.operator,
      request: { params: idParams },
      responses: responses(s.list('keys', s.streamKeyInfoSchema), 200),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await assertMayManageKeys(c.get('account'), id);
      return c.json({ keys: await listStreamKeys(deps, id) }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/rooms/{id}/keys',
      tags: ['stream keys'],
      summary: 'Add a stream key (e.g. for a backup collector)',
      security: SECURITY.operator,
      request: { params: idParams },
      responses: responses(s.newStreamKeySchema, 201),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await assertMayManageKeys(c.get('account'), id);
      return c.json(await createStreamKey(deps, id), 201);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/rooms/{id}/keys/rotate',
      tags: ['stream keys'],
      summary: 'Revoke every key of the room and create a new one',
      security: SECURITY.operator,
      request: { params: idParams },
      responses: responses(s.newStreamKeySchema, 201),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await assertMayManageKeys(c.get('account'), id);
      return c.json(await rotateStreamKeys(deps, id), 201);
    },
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/rooms/{id}/keys/{keyId}',
      tags: ['stream keys'],
      summary: 'Revoke one key; a publish live with it is cut off',
      security: SECURITY.operator,
      request: { params: s.keyParamsSchema },
      responses: responses(okSchema, 200),
    }),
    async (c) => {
      const { id, keyId } = c.req.valid('param');
      await assertMayManageKeys(c.get('account'), id);
      if (!(await revokeStreamKey(deps, id, keyId))) {
        throw new HttpError(404, `room '${id}' has no active key ${keyId}`);
      }
      return c.json({ ok: true as const }, 200);
    },
  );

  // ------------------------------------------------------------ nodes
  app.use('/nodes', staff);
  app.use('/nodes/*', staff);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/nodes',
      tags: ['nodes'],
      summary: 'Encoders and collectors with their health',
      security: SECURITY.operator,
      responses: responses(s.list('nodes', s.nodeInfoSchema), 200),
    }),
    async (c) => c.json({ nodes: await listNodes(deps) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/nodes',
      tags: ['nodes'],
      summary: 'Add a node; answers its secret once',
      security: SECURITY.operator,
      request: { body: jsonBody(s.addNodeBodySchema) },
      responses: responses(s.nodeSecretSchema, 201),
    }),
    async (c) => c.json(await addNode(deps, c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/nodes/{id}/rotate-secret',
      tags: ['nodes'],
      summary: 'A new secret for the node; the old one stops working',
      security: SECURITY.operator,
      request: { params: idParams },
      responses: responses(s.nodeSecretSchema, 201),
    }),
    async (c) => c.json(await rotateNodeSecret(deps, c.req.valid('param').id), 201),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/nodes/{id}',
      tags: ['nodes'],
      summary: 'Remove a node',
      security: SECURITY.operator,
      request: { params: idParams },
      responses: responses(okSchema, 200),
    }),
    async (c) => {
      await removeNode(deps, c.req.valid('param').id);
      return c.json({ ok: true as const }, 200);
    },
  );

  return app;
}
