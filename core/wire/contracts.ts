// Every payload that crosses a process boundary, as one validated, versioned shape used by
// both sides: encoder agent ↔ edge (hook relay, decisions, register/heartbeat), collector
// ↔ edge (ingest, heartbeat), player ↔ edge (playback tokens), and the error body.
// `v` is the wire version: a receiver refuses shapes of a version it does not speak.
import { z } from 'zod';

export const WIRE_VERSION = 1 as const;
const version = z.literal(WIRE_VERSION).describe('wire version of this payload');

/** Public ids (rooms, events, nodes): what URLs, stream names and file names carry. */
export const slugSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'must be 1-63 characters of a-z, 0-9 and -, starting with a letter or digit',
  );
export const nodeIdSchema = slugSchema;
export const roomIdSchema = slugSchema;

/** nginx-rtmp's per-connection client id, unique per nginx worker lifetime. */
const clientIdSchema = z.string().regex(/^[0-9]{1,20}$/, 'must be nginx-rtmp client id digits');
const addrSchema = z.string().min(1).max(64).describe('client IP address as nginx saw it');
const isoTime = z.string().datetime({ offset: true });

// ---------------------------------------------------------------- errors

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe('machine-readable code, e.g. bad_request, unauthorized'),
      message: z.string().describe('what is wrong, in words for a person'),
      issues: z.array(z.string()).optional().describe('each invalid field, with its path'),
      reason: z.string().optional().describe(
        'where one status has several causes, which one (a chat refusal: banned, slow_mode, …)',
      ),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof errorBodySchema>;

// ---------------------------------------------------------------- ladder

const renditionName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/);
export const renditionSchema = z.discriminatedUnion('codec', [
  z.object({ name: renditionName, codec: z.literal('copy') }).strict(),
  z.object({
    name: renditionName,
    codec: z.enum(['h264', 'vp9']),
    height: z.number().int().min(144).max(2160).refine((h) => h % 2 === 0, 'must be even'),
    videoKbps: z.number().int().positive(),
    audioKbps: z.number().int().positive(),
    fps: z.number().positive().max(120).optional(),
  }).strict(),
  z.object({
    name: renditionName,
    codec: z.literal('audio'),
    audioKbps: z.number().int().positive(),
  }).strict(),
]).meta({ id: 'Rendition' });
export type Rendition = z.infer<typeof renditionSchema>;
export const ladderSchema = z.array(renditionSchema).min(1).max(12);

// ---------------------------------------------------------------- hook relay (encoder → edge)

export const publishRequestSchema = z.object({
  v: version,
  nodeId: nodeIdSchema,
  clientId: clientIdSchema,
  app: z.string().min(1).max(64),
  /** The stream key as the publisher sent it. Only ever in a signed body, never logged. */
  streamKey: z.string().min(1).max(256),
  addr: addrSchema,
}).strict().meta({ id: 'PublishRequest' });
export type PublishRequest = z.infer<typeof publishRequestSchema>;

export const sessionRefSchema = z.object({ nodeId: nodeIdSchema, clientId: clientIdSchema })
  .strict();
export type SessionRef = z.infer<typeof sessionRefSchema>;

export const publishDecisionSchema = z.discriminatedUnion('decision', [
  z.object({
    v: version,
    decision: z.literal('allow'),
    sessionId: z.string(),
    /** The public room id: the only name the stream has downstream of the agent. */
    room: roomIdSchema,
    /** The room's own ladder, or null for the node's default. */
    ladder: ladderSchema.nullable(),
    /** A stale session of the same room the node must drop at once (ghost publisher). */
    takeover: sessionRefSchema.nullable(),
    /**
     * Should the publisher drop: how long the node shows the slate and keeps the playlists
     * open for it to come back, before they end.
     */
    reconnectWindowSeconds: z.number().int().min(10).max(3600),
  }).strict(),
  z.object({ v: version, decision: z.literal('refuse'), reason: z.string() }).strict(),
]).meta({ id: 'PublishDecision' });
export type PublishDecision = z.infer<typeof publishDecisionSchema>;

export const updateRequestSchema = z.object({
  v: version,
  nodeId: nodeIdSchema,
  clientId: clientIdSchema,
  sessionId: z.string().min(1).max(64),
  room: roomIdSchema,
  /** Seconds since the publish started, as nginx reports it. */
  time: z.number().nonnegative(),
  bytesIn: z.number().int().nonnegative().optional(),
}).strict().meta({ id: 'UpdateRequest' });
export type UpdateRequest = z.infer<typeof updateRequestSchema>;

export const updateDecisionSchema = z.object({
  v: version,
  decision: z.enum(['continue', 'cutOff']),
  reason: z.string().optional(),
}).strict().meta({ id: 'UpdateDecision' });
export type UpdateDecision = z.infer<typeof updateDecisionSchema>;

export const publishDoneRequestSchema = z.object({
  v: version,
  nodeId: nodeIdSchema,
  clientId: clientIdSchema,
  sessionId: z.string().min(1).max(64),
  room: roomIdSchema,
}).strict().meta({ id: 'PublishDoneRequest' });
export type PublishDoneRequest = z.infer<typeof publishDoneRequestSchema>;

export const playRequestSchema = z.object({
  v: version,
  nodeId: nodeIdSchema,
  clientId: clientIdSchema,
  room: roomIdSchema,
  /** Playback token query parameters the RTMP player sent (`e`, `s`, `t`). */
  token: z.object({ e: z.string().max(16), s: z.string().max(64), t: z.string().max(64) }).strict()
    .nullable(),
  addr: addrSchema,
}).strict().meta({ id: 'PlayRequest' });
export type PlayRequest = z.infer<typeof playRequestSchema>;

export const playDecisionSchema = z.object({
  v: version,
  decision: z.enum(['allow', 'refuse']),
  reason: z.string().optional(),
}).strict().meta({ id: 'PlayDecision' });
export type PlayDecision = z.infer<typeof playDecisionSchema>;

// ---------------------------------------------------------------- registry

export const nodeKindSchema = z.enum(['encoder', 'collector']);
export type NodeKind = z.infer<typeof nodeKindSchema>;

export const registerRequestSchema = z.object({
  v: version,
  nodeId: nodeIdSchema,
  kind: nodeKindSchema,
  softwareVersion: z.string().max(64),
  /** Encoders: base URL viewers fetch `/hls/...` from. */
  publicUrl: z.url({ protocol: /^https?$/ }).nullable(),
  /** Encoders: RTMP base URL collectors publish to, without any key. */
  rtmpUrl: z.url({ protocol: /^rtmps?$/ }).nullable(),
  /** Encoders: how many rooms the node can carry. */
  capacity: z.number().int().min(0).max(1000),
}).strict().meta({ id: 'RegisterRequest' });
export type RegisterRequest = z.infer<typeof registerRequestSchema>;

export const registerResponseSchema = z.object({
  v: version,
  heartbeatIntervalSeconds: z.number().positive(),
  downAfterSeconds: z.number().positive(),
}).strict().meta({ id: 'RegisterResponse' });
export type RegisterResponse = z.infer<typeof registerResponseSchema>;

export const renditionStatusSchema = z.object({
  name: renditionName,
  /** ffmpeg's `-progress` speed: 1.0 keeps up with live, below falls behind. */
  speed: z.number().nonnegative().nullable(),
}).strict();

/** What the encoder sees of the publisher's stream that the streamer can fix. */
export const ingestStatusSchema = z.object({
  /** The publisher's keyframe interval, seconds (the longest seen); null: not known yet. */
  keyframeIntervalSeconds: z.number().positive().max(3600).nullable(),
  /** e.g. "keyframe interval 8.3 s, set 2 s"; null while nothing needs changing. */
  advice: z.string().max(200).nullable(),
  /** The passthrough ("source") rendition is re-encoded because of the keyframes. */
  sourceReencoded: z.boolean(),
}).strict();
export type IngestStatus = z.infer<typeof ingestStatusSchema>;

/**
 * The confidence monitor: what the encoder's own output looks like, probed from the newest
 * segment of a video rendition (what viewers get, after the ladder).
 */
export const outputProbeSchema = z.object({
  rendition: renditionName,
  /** A small JPEG of the segment's first frame, base64; capped so heartbeats stay cheap. */
  frameJpegBase64: z.string().max(64_000).regex(/^[A-Za-z0-9+/=]*$/).nullable(),
  /** When the probed segment starts, by its program date time (ISO); null when undated. */
  frameAt: isoTime.nullable(),
  /** How long the output has been black (0: it is not), whole seconds. */
  blackSeconds: z.number().int().nonnegative(),
  /** How long the output picture has not changed (0: it moves), whole seconds. */
  frozenSeconds: z.number().int().nonnegative(),
  /**
   * Capture to playlist: how far the newest segment's end lies behind the wall clock, by
   * its program date time; null when undated. What a viewer at the live edge adds to it is
   * the player's own buffer.
   */
  latencySeconds: z.number().nonnegative().max(3600).nullable(),
}).strict();
export type OutputProbe = z.infer<typeof outputProbeSchema>;

export const encoderRoomStatusSchema = z.object({
  room: roomIdSchema,
  sessionId: z.string().max(64),
  renditions: z.array(renditionStatusSchema).max(16),
  viewers: z.number().int().nonnegative(),
  errors: z.array(z.string().max(500)).max(20),
  /** Optional: encoders of an earlier release do not send it. */
  ingest: ingestStatusSchema.optional(),
  /** Optional: not yet probed, or an encoder of an earlier release. */
  output: outputProbeSchema.optional(),
}).strict();
export type EncoderRoomStatus = z.infer<typeof encoderRoomStatusSchema>;

export const encoderHeartbeatSchema = z.object({
  v: version,
  nodeId: nodeIdSchema,
  kind: z.literal('encoder'),
  capacity: z.number().int().min(0).max(1000),
  /** CPU busy share over the last interval, 0..1 of all cores. */
  cpuLoad: z.number().min(0).max(1),
  rooms: z.array(encoderRoomStatusSchema).max(1000),
  /**
   * Rooms with no publisher whose playlists the node still keeps open (no ENDLIST), so
   * viewers stay attached through a reconnect; the edge says when their event is over.
   */
  idleRooms: z.array(roomIdSchema).max(1000).default([]),
  errors: z.array(z.string().max(500)).max(20),
}).strict().meta({ id: 'EncoderHeartbeat' });
export type EncoderHeartbeat = z.infer<typeof encoderHeartbeatSchema>;

const levelSchema = z.object({
  rmsDb: z.number().min(-200).max(10),
  peakDb: z.number().min(-200).max(10),
}).strict();

export const collectorHeartbeatSchema = z.object({
  v: version,
  nodeId: nodeIdSchema,
  kind: z.literal('collector'),
  room: roomIdSchema,
  state: z.enum(['starting', 'live', 'reconnecting', 'offline', 'error']),
  input: z.object({ present: z.boolean(), format: z.string().max(120).nullable() }).strict(),
  levels: z.array(levelSchema).max(16),
  uplink: z.object({
    state: z.enum(['connecting', 'live', 'backoff', 'refused', 'idle']),
    bitrateKbps: z.number().nonnegative(),
    reconnects: z.number().int().nonnegative(),
    lastFailureAt: isoTime.nullable(),
  }).strict(),
  recording: z.object({
    active: z.boolean(),
    diskFreeMb: z.number().nonnegative(),
    lowDisk: z.boolean(),
  }).strict(),
  /** The box's own audio alarms; optional: collectors of an earlier release do not send it. */
  audio: z.object({
    /** Whole seconds every channel has been below the silence threshold; 0 while sound. */
    silentSeconds: z.number().int().nonnegative(),
    clipping: z.boolean(),
  }).strict().optional(),
  /** A small JPEG preview, base64; capped so heartbeats stay cheap. */
  previewJpegBase64: z.string().max(96_000).regex(/^[A-Za-z0-9+/=]*$/).nullable(),
}).strict().meta({ id: 'CollectorHeartbeat' });
export type CollectorHeartbeat = z.infer<typeof collectorHeartbeatSchema>;

export const heartbeatSchema = z.discriminatedUnion('kind', [
  encoderHeartbeatSchema,
  collectorHeartbeatSchema,
]);
export type Heartbeat = z.infer<typeof heartbeatSchema>;

export const heartbeatResponseSchema = z.object({
  v: version,
  /** Sessions the node must drop (cut off by an operator, key revoked). */
  cutOff: z.array(sessionRefSchema),
  /**
   * Rooms (of those the node reported) whose event is over or that no longer exist: the
   * node ends their playlists (`#EXT-X-ENDLIST`) and may delete them later.
   */
  endedRooms: z.array(roomIdSchema).default([]),
  /** Rooms whose ladder an operator restarted: the node starts a fresh ffmpeg for each. */
  restartRooms: z.array(roomIdSchema).default([]),
}).strict().meta({ id: 'HeartbeatResponse' });
export type HeartbeatResponse = z.infer<typeof heartbeatResponseSchema>;

// ---------------------------------------------------------------- watchdog (box → edge)

/** What the watchdog looks at: `agent`, `nginx`, `room:<id>` (encoder); `collector`, `pipeline`. */
const watchdogTarget = z.string().regex(/^[a-z][a-z0-9:-]{0,79}$/);

export const watchdogCheckSchema = z.object({
  name: watchdogTarget,
  ok: z.boolean(),
  /** What was seen, in operator words, e.g. "newest segment 2.1 s old". */
  detail: z.string().max(300),
}).strict();
export type WatchdogCheck = z.infer<typeof watchdogCheckSchema>;

export const watchdogActionSchema = z.object({
  target: watchdogTarget,
  /** What the watchdog did: killed a stuck child (its parent starts a new one), or restarted the unit. */
  action: z.enum(['killed-ffmpeg', 'killed-worker', 'restarted-unit']),
  at: isoTime,
  reason: z.string().max(300),
}).strict();
export type WatchdogAction = z.infer<typeof watchdogActionSchema>;

export const watchdogReportSchema = z.object({
  v: version,
  nodeId: nodeIdSchema,
  kind: nodeKindSchema,
  /**
   * ok: every check passes; degraded: a check fails and the watchdog is on it;
   * escalated: a target used up its restarts for the hour and needs a person.
   */
  state: z.enum(['ok', 'degraded', 'escalated']),
  /** Seconds between the watchdog's checks (and reports). */
  intervalSeconds: z.number().int().min(1).max(300),
  checks: z.array(watchdogCheckSchema).max(64),
  /** Everything the watchdog did in the last hour, oldest first. */
  actions: z.array(watchdogActionSchema).max(100),
  /** Targets it has stopped restarting until their hour frees a restart. */
  escalated: z.array(
    z.object({
      target: watchdogTarget,
      reason: z.string().max(300),
      since: isoTime,
    }).strict(),
  ).max(64),
}).strict().meta({ id: 'WatchdogReport' });
export type WatchdogReport = z.infer<typeof watchdogReportSchema>;

export const watchdogAckSchema = z.object({ v: version, ok: z.literal(true) }).strict()
  .meta({ id: 'WatchdogAck' });
export type WatchdogAck = z.infer<typeof watchdogAckSchema>;

export const ingestRequestSchema = z.object({
  v: version,
  nodeId: nodeIdSchema,
  room: roomIdSchema,
})
  .strict().meta({ id: 'IngestRequest' });
export type IngestRequest = z.infer<typeof ingestRequestSchema>;

export const ingestResponseSchema = z.object({
  v: version,
  room: roomIdSchema,
  encoderNodeId: nodeIdSchema,
  /** RTMP application URL; the collector appends its own stream key in memory only. */
  rtmpUrl: z.string(),
}).strict().meta({ id: 'IngestResponse' });
export type IngestResponse = z.infer<typeof ingestResponseSchema>;

// ---------------------------------------------------------------- playback (player → edge)

export const playbackGrantSchema = z.object({
  v: version,
  room: roomIdSchema,
  /** Master playlist URL, token included. */
  url: z.string(),
  /** The same stream as a live MPEG-DASH manifest (with a DVR window), token included. */
  dashUrl: z.string(),
  /** The token alone, as a query string (`e=…&s=…&t=…`), to append to other requests. */
  tokenQuery: z.string(),
  session: z.string(),
  expiresAt: isoTime,
}).strict().meta({ id: 'PlaybackGrant' });
export type PlaybackGrant = z.infer<typeof playbackGrantSchema>;
