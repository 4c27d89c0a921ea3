// Request and response shapes of the operator and public API (the box-to-edge shapes are
// in core/wire). Bodies are strict: an unknown field is an error, not silently dropped.
import { z } from 'zod';
import {
  collectorHeartbeatSchema,
  ingestStatusSchema,
  ladderSchema,
  renditionStatusSchema,
  slugSchema,
  watchdogActionSchema,
  watchdogCheckSchema,
  watchdogReportSchema,
} from '../../core/wire/contracts.ts';
import { EVENT_STATES, ROLES, STREAMER_STATES } from '../db/schema.ts';

const title = z.string().trim().min(1).max(200);
const isoTime = z.iso.datetime({ offset: true });
const email = z.email().max(254);

export const accountSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  emailVerified: z.boolean(),
  streamer: z.enum(STREAMER_STATES).nullable().describe(
    'null until the account asks to stream; pending until an admin approves or refuses',
  ),
  createdAt: z.number(),
  disabled: z.boolean(),
}).meta({ id: 'Account' });

export const loginBodySchema = z.object({ email, password: z.string().min(1).max(1024) }).strict();
export const loginResultSchema = z.object({
  token: z.string().describe('bearer token; shown once'),
  expiresAt: z.string().nullable(),
  account: accountSchema,
}).meta({ id: 'LoginResult' });

export const createAccountBodySchema = z.object({
  email,
  role: z.enum(ROLES),
  name: z.string().max(200).optional(),
  password: z.string().min(12, 'must be at least 12 characters').max(1024).optional(),
}).strict();
export const createTokenBodySchema = z.object({ label: z.string().trim().min(1).max(100) })
  .strict();
export const tokenResultSchema = z.object({ token: z.string(), expiresAt: z.string().nullable() })
  .meta({ id: 'TokenResult' });

export const eventSchema = z.object({
  id: slugSchema,
  title: z.string(),
  state: z.enum(EVENT_STATES),
  startsAt: z.string().nullable(),
  endsAt: z.string().nullable(),
}).meta({ id: 'Event' });
export const createEventBodySchema = z.object({
  id: slugSchema,
  title,
  startsAt: isoTime.nullable().optional(),
  endsAt: isoTime.nullable().optional(),
}).strict();
export const updateEventBodySchema = z.object({
  title: title.optional(),
  state: z.enum(EVENT_STATES).optional(),
  startsAt: isoTime.nullable().optional(),
  endsAt: isoTime.nullable().optional(),
}).strict();

export const roomSchema = z.object({
  id: slugSchema,
  eventId: z.string().nullable(),
  title: z.string(),
  ownerAccountId: z.string().nullable(),
  ladder: ladderSchema.nullable(),
  encoderNodeId: z.string().nullable()
    .describe('the encoder node the room is pinned to; null: the edge places it by load'),
  state: z.enum(['offline', 'live']),
}).meta({ id: 'Room' });
/** A pin to an encoder node (its id), or null to let the edge place the room by load. */
const encoderNodeId = slugSchema.nullable().optional()
  .describe('pin the room to this encoder node; null: the edge places it by load');
export const createRoomBodySchema = z.object({
  id: slugSchema,
  title: title.optional(),
  eventId: slugSchema.nullable().optional(),
  ownerAccountId: z.string().max(64).nullable().optional(),
  ladder: ladderSchema.nullable().optional(),
  encoderNodeId,
  /** Create a first stream key with the room (default true). */
  withKey: z.boolean().optional(),
}).strict();
export const updateRoomBodySchema = z.object({
  title: title.optional(),
  eventId: slugSchema.nullable().optional(),
  ownerAccountId: z.string().max(64).nullable().optional(),
  ladder: ladderSchema.nullable().optional(),
  encoderNodeId,
}).strict();
export const roomListQuerySchema = z.object({ event: slugSchema.optional() }).strict();

export const streamKeyInfoSchema = z.object({
  id: z.string(),
  roomId: z.string(),
  hint: z.string().describe('first characters of the key, to tell keys apart'),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
}).meta({ id: 'StreamKeyInfo' });
export const newStreamKeySchema = z.object({
  key: z.string().describe('the stream key; shown only now'),
  info: streamKeyInfoSchema,
  revoked: z.number().optional(),
}).meta({ id: 'NewStreamKey' });
export const createdRoomSchema = z.object({
  room: roomSchema,
  streamKey: newStreamKeySchema.nullable(),
}).meta({ id: 'CreatedRoom' });
export const keyParamsSchema = z.object({ id: slugSchema, keyId: z.uuid() });

/**
 * A node's watchdog, from its last report (the pieces come from the wire contract). Inline
 * in NodeInfo, not a component of its own: the generator would make that component nullable.
 */
const nodeWatchdogSchema = z.object({
  state: watchdogReportSchema.shape.state,
  at: z.string().describe('when the edge received the report'),
  failing: z.array(watchdogCheckSchema.pick({ name: true, detail: true }))
    .describe('the checks that failed'),
  actionsLastHour: z.number().describe('restarts and kills in the last hour'),
  lastAction: watchdogActionSchema.nullable().describe('the newest of them'),
  escalated: watchdogReportSchema.shape.escalated
    .describe('targets the watchdog stopped restarting: they need a person'),
});

export const nodeInfoSchema = z.object({
  id: z.string(),
  kind: z.enum(['encoder', 'collector']),
  state: z.enum(['up', 'down', 'new']),
  publicUrl: z.string().nullable(),
  rtmpUrl: z.string().nullable(),
  capacity: z.number(),
  softwareVersion: z.string().nullable(),
  lastHeartbeatAt: z.string().nullable(),
  load: z.object({ rooms: z.number(), cpuLoad: z.number(), viewers: z.number() }).nullable(),
  watchdog: nodeWatchdogSchema.nullable()
    .describe('null while no watchdog report is fresh: a silent watchdog is a signal too'),
}).meta({ id: 'NodeInfo' });
export const addNodeBodySchema = z.object({
  id: slugSchema,
  kind: z.enum(['encoder', 'collector']),
}).strict();
export const nodeSecretSchema = z.object({
  node: nodeInfoSchema,
  secret: z.string().describe("the node's secret for its config; shown only now"),
}).meta({ id: 'NodeSecret' });

export const publicRoomSchema = z.object({
  id: z.string(),
  title: z.string(),
  eventId: z.string().nullable(),
  state: z.enum(['live', 'backSoon', 'offline', 'ended']),
  viewers: z.number(),
  watchUrl: z.string(),
  playbackUrl: z.string().describe('POST here for a playback grant'),
  chatUrl: z.string(),
  thumbnailUrl: z.string().nullable().describe('JPEG preview while live, else null'),
}).meta({ id: 'PublicRoom' });
export const publicRoomDetailSchema = publicRoomSchema.extend({
  renditions: z.array(
    z.object({ name: z.string(), codec: z.enum(['copy', 'h264', 'vp9', 'audio']) }),
  ),
  ingestAdvice: z.string().nullable().describe(
    'for the streamer while live, e.g. "keyframe interval 8.3 s, set 2 s"; null when fine',
  ),
}).meta({ id: 'PublicRoomDetail' });
export const ingestReportSchema = ingestStatusSchema.extend({
  room: z.string(),
  live: z.boolean().describe('an encoder reports the room live right now'),
  nodeId: z.string().nullable(),
  renditions: z.array(renditionStatusSchema),
}).meta({ id: 'IngestReport' });
export const publicRoomListQuerySchema = z.object({
  event: slugSchema.optional(),
  live: z.enum(['true', 'false']).optional().describe('only live rooms'),
}).strict();
export const playbackBodySchema = z.object({
  /** Renewing: keep the same viewer session so viewer counts stay honest. */
  session: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/).optional(),
}).strict();

export const viewerHeartbeatBodySchema = z.object({
  session: playbackBodySchema.shape.session.unwrap().describe("the playback grant's session"),
  playing: z.boolean().describe('the picture is moving (not paused, stalled or offline)'),
}).strict();
export const viewerHeartbeatAnswerSchema = z.object({
  state: publicRoomSchema.shape.state,
  viewers: z.number(),
}).meta({ id: 'ViewerHeartbeatAnswer' });
export const binaryFileSchema = z.string().meta({ format: 'binary' });

export const list = <S extends z.ZodType>(name: string, item: S) =>
  z.object({ [name]: z.array(item) });

/** What the collector of a room last reported: the crew's status, for the control room. */
export const collectorReportSchema = collectorHeartbeatSchema.omit({ v: true, kind: true }).extend({
  at: z.string().describe('when the edge received it'),
}).meta({ id: 'CollectorReport' });
