// What viewers see: the public room list (live rooms with where to play them), one room with
// its renditions and chat URL, and playback grants — a short-lived token scoped to one
// room and one viewer session, signed for the encoder node that serves the room.
import { and, desc, eq, isNull } from 'drizzle-orm';
import type {
  EncoderRoomStatus,
  IngestStatus,
  PlaybackGrant,
  Rendition,
} from '../../core/wire/contracts.ts';
import { WIRE_VERSION } from '../../core/wire/contracts.ts';
import { randomBase64Url } from '../../core/wire/encoding.ts';
import {
  playbackSecretFor,
  playbackTokenQuery,
  signPlaybackToken,
} from '../../core/wire/playback_token.ts';
import { events, publishSessions } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';
import { liveKeys } from '../live_keys.ts';
import { findNode, isNodeUp, nodeSecret } from './registry.ts';
import { getRoom, listRooms, type RoomRecord } from './rooms.ts';
import { meterViewing } from '../billing/metering.ts';

/** `backSoon`: the publish dropped a moment ago and the event is still on. */
export type PublicRoomState = 'live' | 'backSoon' | 'offline' | 'ended';

export interface PublicRoom {
  id: string;
  title: string;
  eventId: string | null;
  state: PublicRoomState;
  viewers: number;
  /** Page a person opens to watch. */
  watchUrl: string;
  /** POST here for a playback grant (token + master playlist URL). */
  playbackUrl: string;
  chatUrl: string;
  /** The venue box's latest preview while the room is live; null otherwise. */
  thumbnailUrl: string | null;
}

export interface PublicRoomDetail extends PublicRoom {
  renditions: { name: string; codec: Rendition['codec'] }[];
  /** For the streamer, while live: e.g. "keyframe interval 8.3 s, set 2 s"; else null. */
  ingestAdvice: string | null;
}

/**
 * A viewer session counts as watching for this long after its last heartbeat: players
 * send one every 30 s, so one lost heartbeat does not end a session.
 */
export const VIEWER_HEARTBEAT_TTL_MS = 75_000;

/** A live room's entry of its encoder's last heartbeat (registry.ts stores it). */
export type RoomStatus = EncoderRoomStatus & { nodeId: string };

async function liveSession(deps: EdgeDeps, roomId: string) {
  return (await deps.db.select().from(publishSessions)
    .where(and(eq(publishSessions.roomId, roomId), isNull(publishSessions.endedAt))))[0] ?? null;
}

async function roomState(deps: EdgeDeps, room: RoomRecord): Promise<PublicRoomState> {
  if (room.eventId) {
    const event = (await deps.db.select({ state: events.state }).from(events).where(
      eq(events.id, room.eventId),
    ))[0];
    if (event?.state === 'ended') return 'ended';
  }
  const session = await liveSession(deps, room.id);
  if (session && await isNodeUp(deps, session.nodeId)) return 'live';
  return session !== null || await awaitedSession(deps, room.id) ? 'backSoon' : 'offline';
}

/**
 * The room's state and, while it is back soon, since when its publisher has been gone:
 * the end of its last session, or the last sign of an open session whose node went down.
 */
export async function roomLiveness(
  deps: EdgeDeps,
  room: RoomRecord,
): Promise<{ state: PublicRoomState; awaySince: number | null }> {
  const state = await roomState(deps, room);
  if (state !== 'backSoon') return { state, awaySince: null };
  const open = await liveSession(deps, room.id);
  const awaySince = open ? open.lastSeenAt : (await awaitedSession(deps, room.id))?.endedAt;
  return { state, awaySince: awaySince ?? null };
}

/**
 * The room's last publish session when it dropped within the reconnect window and is
 * expected back (the uplink went, or its node did; not a publish the edge cut off, as for a
 * revoked key): its encoder is showing the slate and keeps the playlists open for it.
 */
async function awaitedSession(deps: EdgeDeps, roomId: string) {
  const last = (await deps.db.select().from(publishSessions)
    .where(eq(publishSessions.roomId, roomId))
    .orderBy(desc(publishSessions.startedAt)).limit(1))[0];
  if (!last || last.endedAt === null) return null;
  const expectedBack = last.endReason === 'done' || last.endReason === 'nodeDown' ||
    last.endReason === 'moved';
  const withinWindow = deps.now() - last.endedAt < deps.settings.reconnectWindowSeconds * 1000;
  return expectedBack && withinWindow ? last : null;
}

export async function roomStatus(deps: EdgeDeps, roomId: string): Promise<RoomStatus | null> {
  const text = await deps.store.get(liveKeys.roomStatus(roomId));
  return text ? JSON.parse(text) as RoomStatus : null;
}

interface CollectorPreview {
  at: number;
  jpeg: Uint8Array;
}

/**
 * The collector's preview of a live room. Only while live: before and after, the camera
 * may show a crew setting up, which is not for the public. A preview that is not valid
 * base64 is no preview (the heartbeat schema checks the alphabet, not the padding).
 */
async function livePreview(deps: EdgeDeps, roomId: string): Promise<CollectorPreview | null> {
  const text = await deps.store.get(liveKeys.collectorStatus(roomId));
  const report = text ? JSON.parse(text) as { at: number; previewJpegBase64: string | null } : null;
  if (!report?.previewJpegBase64) return null;
  try {
    const binary = atob(report.previewJpegBase64);
    return { at: report.at, jpeg: Uint8Array.from(binary, (char) => char.charCodeAt(0)) };
  } catch {
    return null;
  }
}

async function toPublicRoom(deps: EdgeDeps, room: RoomRecord): Promise<PublicRoom> {
  const base = deps.settings.publicUrl;
  const state = await roomState(deps, room);
  const status = state === 'live' ? await roomStatus(deps, room.id) : null;
  const preview = state === 'live' ? await livePreview(deps, room.id) : null;
  return {
    id: room.id,
    title: room.title,
    eventId: room.eventId,
    state,
    viewers: status?.viewers ?? 0,
    watchUrl: `${base}/watch/${room.id}`,
    playbackUrl: `${base}/api/v1/public/rooms/${room.id}/playback`,
    // The chat of the room: `<chatUrl>/ws` (WebSocket), `/events` (SSE), `/messages`.
    chatUrl: `${base}/api/v1/chat/rooms/${room.id}`,
    // The query changes with each preview, so browsers may cache each one for good.
    thumbnailUrl: preview
      ? `${base}/api/v1/public/rooms/${room.id}/thumbnail.jpg?at=${preview.at}`
      : null,
  };
}

export async function listPublicRooms(
  deps: EdgeDeps,
  filter: { eventId?: string; liveOnly?: boolean },
): Promise<PublicRoom[]> {
  const rooms = await Promise.all(
    (await listRooms(deps, filter)).map((room) => toPublicRoom(deps, room)),
  );
  return filter.liveOnly ? rooms.filter((room) => room.state === 'live') : rooms;
}

export async function publicRoomDetail(
  deps: EdgeDeps,
  roomId: string,
  defaultLadder: Rendition[],
): Promise<PublicRoomDetail> {
  const room = await getRoom(deps, roomId);
  const status = await roomStatus(deps, roomId);
  const ladder = room.ladder ?? defaultLadder;
  // What the encoder reports it really produces wins (it drops renditions above the source).
  const produced = status ? new Set(status.renditions.map((r) => r.name)) : null;
  return {
    ...(await toPublicRoom(deps, room)),
    renditions: ladder.filter((r) => !produced || produced.has(r.name)).map((r) => ({
      name: r.name,
      codec: r.codec,
    })),
    ingestAdvice: status?.ingest?.advice ?? null,
  };
}

/** What the operator API says of a room's incoming stream (GET /rooms/{id}/ingest). */
export interface IngestReport extends IngestStatus {
  room: string;
  /** An encoder reports the room live right now; every other field is null/empty if not. */
  live: boolean;
  nodeId: string | null;
  renditions: { name: string; speed: number | null }[];
}

/** The encoder's last word on a room's publisher stream: keyframes, renditions, speed. */
export async function ingestReport(deps: EdgeDeps, roomId: string): Promise<IngestReport> {
  await getRoom(deps, roomId);
  const status = await roomStatus(deps, roomId);
  return {
    room: roomId,
    live: status !== null,
    nodeId: status?.nodeId ?? null,
    renditions: status?.renditions ?? [],
    keyframeIntervalSeconds: status?.ingest?.keyframeIntervalSeconds ?? null,
    advice: status?.ingest?.advice ?? null,
    sourceReencoded: status?.ingest?.sourceReencoded ?? false,
  };
}

/**
 * A playback grant for the room's current encoder: while live, and while its publisher is
 * awaited back (the encoder plays the slate, so players keep playing, and pick the stream
 * up again without a restart when it returns). 409 otherwise.
 */
export async function grantPlayback(
  deps: EdgeDeps,
  roomId: string,
  session?: string,
): Promise<PlaybackGrant> {
  await getRoom(deps, roomId);
  const serving = await liveSession(deps, roomId) ?? await awaitedSession(deps, roomId);
  const node = serving ? await findNode(deps, serving.nodeId) : null;
  if (!serving || !node?.publicUrl || !(await isNodeUp(deps, node.id))) {
    throw new HttpError(409, `room '${roomId}' is not live`);
  }
  const viewerSession = session ?? randomBase64Url(12);
  const expires = Math.floor(deps.now() / 1000) + deps.settings.playbackTokenTtlSeconds;
  const secret = await playbackSecretFor(await nodeSecret(deps, node));
  const token = signPlaybackToken(secret, roomId, viewerSession, expires);
  const tokenQuery = playbackTokenQuery(token);
  await deps.store.set(liveKeys.viewerGrant(roomId, viewerSession), '1', {
    ttlMs: deps.settings.playbackTokenTtlSeconds * 1000 + VIEWER_HEARTBEAT_TTL_MS,
  });
  return {
    v: WIRE_VERSION,
    room: roomId,
    url: `${node.publicUrl}/hls/${roomId}/master.m3u8?${tokenQuery}`,
    dashUrl: `${node.publicUrl}/hls/${roomId}/manifest.mpd?${tokenQuery}`,
    tokenQuery,
    session: viewerSession,
    expiresAt: new Date(expires * 1000).toISOString(),
  };
}

/** The live room's preview JPEG; 404 when the room is not live or no preview is fresh. */
export async function roomThumbnail(deps: EdgeDeps, roomId: string): Promise<Uint8Array> {
  const room = await getRoom(deps, roomId);
  const preview = (await roomState(deps, room)) === 'live' ? await livePreview(deps, roomId) : null;
  if (!preview) throw new HttpError(404, `room '${roomId}' has no preview right now`);
  return preview.jpeg;
}

export interface ViewerHeartbeatAnswer {
  state: PublicRoomState;
  viewers: number;
}

/**
 * A player's heartbeat: the session is kept as watching (what billing will meter) and the
 * player learns the room's state. Sessions are the playback grants' own ids.
 */
export async function recordViewerHeartbeat(
  deps: EdgeDeps,
  roomId: string,
  heartbeat: { session: string; playing: boolean },
): Promise<ViewerHeartbeatAnswer> {
  const room = await getRoom(deps, roomId);
  await deps.store.set(
    liveKeys.viewerSession(roomId, heartbeat.session),
    JSON.stringify({ playing: heartbeat.playing, at: deps.now() }),
    { ttlMs: VIEWER_HEARTBEAT_TTL_MS },
  );
  const state = await roomState(deps, room);
  // Billed: sessions of a playback grant this edge handed out (a made-up session in a
  // heartbeat bills nobody). Billing trouble never stops a viewer: it is logged.
  const granted = await deps.store.get(liveKeys.viewerGrant(roomId, heartbeat.session));
  if (state === 'live' && heartbeat.playing && granted) {
    await meterViewing(deps, room, heartbeat.session).catch((error) =>
      deps.log.error('viewer minute not metered', {
        room: roomId,
        error: String((error as Error)?.message ?? error).slice(0, 200),
      })
    );
  }
  const status = state === 'live' ? await roomStatus(deps, roomId) : null;
  return { state, viewers: status?.viewers ?? 0 };
}
