// The node registry: operators add encoder and collector nodes (and get each node's secret
// once); nodes register and heartbeat; a node whose heartbeats stop is down and gets no
// new rooms; a collector asks where to push and gets the encoder its room is pinned to, or
// else the least-loaded healthy encoder.
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type {
  CollectorHeartbeat,
  EncoderHeartbeat,
  EncoderRoomStatus,
  Heartbeat,
  HeartbeatResponse,
  IngestResponse,
  NodeKind,
  RegisterRequest,
  RegisterResponse,
  SessionRef,
} from '../../core/wire/contracts.ts';
import { WIRE_VERSION } from '../../core/wire/contracts.ts';
import { events, nodes, publishSessions, rooms } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';
import { deriveNodeSecret } from '../auth/secrets.ts';
import { liveKeys } from '../live_keys.ts';
import { getRoom } from './rooms.ts';
import { forgetWatchdog, type NodeWatchdog, nodeWatchdog } from './watchdog_reports.ts';

type NodeRow = typeof nodes.$inferSelect;

export interface NodeInfo {
  id: string;
  kind: NodeKind;
  state: 'up' | 'down' | 'new';
  publicUrl: string | null;
  rtmpUrl: string | null;
  capacity: number;
  softwareVersion: string | null;
  lastHeartbeatAt: string | null;
  /** From the last heartbeat while up: rooms carried, CPU load, viewers. */
  load: { rooms: number; cpuLoad: number; viewers: number } | null;
  /** The box's watchdog while its reports come in (a silent watchdog is null). */
  watchdog: NodeWatchdog | null;
}

/** What the edge keeps in the live store for a node that is up. */
interface AliveSummary {
  kind: NodeKind;
  rooms: number;
  capacity: number;
  cpuLoad: number;
  viewers: number;
}

const ASSIGNMENT_TTL_MS = 30 * 60_000;

export async function findNode(deps: EdgeDeps, nodeId: string): Promise<NodeRow | null> {
  return (await deps.db.select().from(nodes).where(eq(nodes.id, nodeId)))[0] ?? null;
}

/** The node's current secret, for verifying its signed requests. */
export function nodeSecret(deps: EdgeDeps, node: NodeRow): Promise<string> {
  return deriveNodeSecret(deps.clusterSecret, node.id, node.secretGeneration);
}

export async function addNode(
  deps: EdgeDeps,
  input: { id: string; kind: NodeKind },
): Promise<{ node: NodeInfo; secret: string }> {
  if (await findNode(deps, input.id)) {
    throw new HttpError(409, `node '${input.id}' exists already; rotate its secret instead`);
  }
  const row: NodeRow = {
    id: input.id,
    kind: input.kind,
    secretGeneration: 1,
    publicUrl: null,
    rtmpUrl: null,
    capacity: 0,
    softwareVersion: null,
    createdAt: deps.now(),
    registeredAt: null,
    lastHeartbeatAt: null,
  };
  await deps.db.insert(nodes).values(row);
  return { node: await describeNode(deps, row), secret: await nodeSecret(deps, row) };
}

/** A new secret for the node; the old one stops working at once. */
export async function rotateNodeSecret(
  deps: EdgeDeps,
  nodeId: string,
): Promise<{ node: NodeInfo; secret: string }> {
  const row = await findNode(deps, nodeId);
  if (!row) throw new HttpError(404, `no node '${nodeId}'`);
  const rotated = { ...row, secretGeneration: row.secretGeneration + 1 };
  await deps.db.update(nodes).set({ secretGeneration: rotated.secretGeneration }).where(
    eq(nodes.id, nodeId),
  );
  return { node: await describeNode(deps, rotated), secret: await nodeSecret(deps, rotated) };
}

export async function removeNode(deps: EdgeDeps, nodeId: string): Promise<void> {
  if (!(await findNode(deps, nodeId))) throw new HttpError(404, `no node '${nodeId}'`);
  await deps.db.delete(nodes).where(eq(nodes.id, nodeId));
  await deps.store.del(liveKeys.nodeAlive(nodeId));
  await deps.store.setRemove(liveKeys.encoders, nodeId);
  await forgetWatchdog(deps, nodeId);
}

async function aliveSummary(deps: EdgeDeps, nodeId: string): Promise<AliveSummary | null> {
  const text = await deps.store.get(liveKeys.nodeAlive(nodeId));
  return text ? JSON.parse(text) as AliveSummary : null;
}

export async function isNodeUp(deps: EdgeDeps, nodeId: string): Promise<boolean> {
  return (await deps.store.get(liveKeys.nodeAlive(nodeId))) !== null;
}

async function describeNode(deps: EdgeDeps, row: NodeRow): Promise<NodeInfo> {
  const alive = await aliveSummary(deps, row.id);
  return {
    id: row.id,
    kind: row.kind,
    state: alive ? 'up' : row.registeredAt === null ? 'new' : 'down',
    publicUrl: row.publicUrl,
    rtmpUrl: row.rtmpUrl,
    capacity: row.capacity,
    softwareVersion: row.softwareVersion,
    lastHeartbeatAt: row.lastHeartbeatAt === null
      ? null
      : new Date(row.lastHeartbeatAt).toISOString(),
    load: alive ? { rooms: alive.rooms, cpuLoad: alive.cpuLoad, viewers: alive.viewers } : null,
    watchdog: await nodeWatchdog(deps, row.id),
  };
}

export async function listNodes(deps: EdgeDeps): Promise<NodeInfo[]> {
  const rows = await deps.db.select().from(nodes).orderBy(asc(nodes.id));
  return Promise.all(rows.map((row) => describeNode(deps, row)));
}

function aliveTtlMs(deps: EdgeDeps): number {
  return deps.settings.nodes.downAfterSeconds * 1000;
}

export async function registerNode(
  deps: EdgeDeps,
  node: NodeRow,
  request: RegisterRequest,
): Promise<RegisterResponse> {
  if (request.kind !== node.kind) {
    throw new HttpError(409, `node '${node.id}' was added as ${node.kind}, not ${request.kind}`);
  }
  await deps.db.update(nodes).set({
    publicUrl: request.publicUrl,
    rtmpUrl: request.rtmpUrl,
    capacity: request.capacity,
    softwareVersion: request.softwareVersion,
    registeredAt: deps.now(),
    lastHeartbeatAt: deps.now(),
  }).where(eq(nodes.id, node.id));
  const summary: AliveSummary = {
    kind: node.kind,
    rooms: 0,
    capacity: request.capacity,
    cpuLoad: 0,
    viewers: 0,
  };
  await deps.store.set(liveKeys.nodeAlive(node.id), JSON.stringify(summary), {
    ttlMs: aliveTtlMs(deps),
  });
  if (node.kind === 'encoder') await deps.store.setAdd(liveKeys.encoders, node.id);
  deps.log.info('node registered', { node: node.id, kind: node.kind, capacity: request.capacity });
  return {
    v: WIRE_VERSION,
    heartbeatIntervalSeconds: deps.settings.nodes.heartbeatIntervalSeconds,
    downAfterSeconds: deps.settings.nodes.downAfterSeconds,
  };
}

export async function recordHeartbeat(
  deps: EdgeDeps,
  node: NodeRow,
  heartbeat: Heartbeat,
): Promise<HeartbeatResponse> {
  if (heartbeat.kind !== node.kind) {
    throw new HttpError(409, `node '${node.id}' is a ${node.kind}, not a ${heartbeat.kind}`);
  }
  if (node.registeredAt === null) {
    throw new HttpError(409, `node '${node.id}' must register before it heartbeats`);
  }
  await deps.db.update(nodes).set({ lastHeartbeatAt: deps.now() }).where(eq(nodes.id, node.id));
  const ttlMs = aliveTtlMs(deps);
  if (heartbeat.kind === 'collector') {
    await deps.store.set(
      liveKeys.nodeAlive(node.id),
      JSON.stringify({ kind: 'collector', rooms: 1, capacity: 1, cpuLoad: 0, viewers: 0 }),
      { ttlMs },
    );
    await deps.store.set(
      liveKeys.collectorStatus(heartbeat.room),
      JSON.stringify({ ...heartbeat, at: deps.now() }),
      { ttlMs },
    );
    return { v: WIRE_VERSION, cutOff: [], endedRooms: [], restartRooms: [] };
  }
  const viewers = heartbeat.rooms.reduce((sum, room) => sum + room.viewers, 0);
  const summary: AliveSummary = {
    kind: 'encoder',
    rooms: heartbeat.rooms.length,
    capacity: heartbeat.capacity,
    cpuLoad: heartbeat.cpuLoad,
    viewers,
  };
  await deps.store.set(liveKeys.nodeAlive(node.id), JSON.stringify(summary), { ttlMs });
  await deps.store.setAdd(liveKeys.encoders, node.id);
  for (const room of heartbeat.rooms) {
    await recordRoomStatus(deps, node.id, room, ttlMs);
  }
  return {
    v: WIRE_VERSION,
    cutOff: await sessionsToCut(deps, node.id, heartbeat),
    endedRooms: await endedRooms(deps, [
      ...heartbeat.rooms.map((room) => room.room),
      ...heartbeat.idleRooms,
    ]),
    restartRooms: await takeRestartRequests(deps, heartbeat.rooms.map((room) => room.room)),
  };
}

/**
 * A room's status as its encoder reports it, without the output picture, which is kept on
 * its own: the status is read on every room list, the picture only by the control room. A
 * heartbeat that had no room for the picture leaves the last one in place.
 */
async function recordRoomStatus(
  deps: EdgeDeps,
  nodeId: string,
  room: EncoderRoomStatus,
  ttlMs: number,
) {
  const { frameJpegBase64, ...output } = room.output ?? { frameJpegBase64: null };
  const status = { nodeId, ...room, ...(room.output ? { output } : {}) };
  await deps.store.set(liveKeys.roomStatus(room.room), JSON.stringify(status), { ttlMs });
  if (frameJpegBase64) {
    await deps.store.set(
      liveKeys.outputFrame(room.room),
      JSON.stringify({ jpegBase64: frameJpegBase64, at: deps.now() }),
      { ttlMs },
    );
  }
}

/** An operator's restart, handed to the encoder carrying the room (once). */
export async function requestRestart(deps: EdgeDeps, roomId: string): Promise<void> {
  // Long enough for a heartbeat or two; a restart the node never picked up is dropped.
  const ttlMs = deps.settings.nodes.downAfterSeconds * 1000;
  await deps.store.set(liveKeys.restartRequest(roomId), String(deps.now()), { ttlMs });
}

async function takeRestartRequests(deps: EdgeDeps, roomIds: string[]): Promise<string[]> {
  const restart: string[] = [];
  for (const roomId of roomIds) {
    if ((await deps.store.get(liveKeys.restartRequest(roomId))) === null) continue;
    await deps.store.del(liveKeys.restartRequest(roomId));
    restart.push(roomId);
  }
  return restart;
}

/** Of the rooms a node reports, those whose event is over or which no longer exist. */
async function endedRooms(deps: EdgeDeps, roomIds: string[]): Promise<string[]> {
  const unique = [...new Set(roomIds)];
  if (!unique.length) return [];
  const rows = await deps.db.select({ id: rooms.id, eventState: events.state }).from(rooms)
    .leftJoin(events, eq(rooms.eventId, events.id)).where(inArray(rooms.id, unique));
  const known = new Map(rows.map((row) => [row.id, row.eventState]));
  return unique.filter((id) => !known.has(id) || known.get(id) === 'ended');
}

/** Sessions the node still carries that the edge has ended (taken over, cut off, key revoked). */
async function sessionsToCut(
  deps: EdgeDeps,
  nodeId: string,
  heartbeat: EncoderHeartbeat,
): Promise<SessionRef[]> {
  const cut: SessionRef[] = [];
  for (const room of heartbeat.rooms) {
    const row =
      (await deps.db.select().from(publishSessions).where(eq(publishSessions.id, room.sessionId)))[
        0
      ];
    if (row && row.nodeId === nodeId && row.endedAt !== null && row.endReason !== 'done') {
      cut.push({ nodeId, clientId: row.clientId });
    }
  }
  return cut;
}

/** A collector's heartbeat as the operator API shows it: the envelope off, its time on. */
export type CollectorReport = Omit<CollectorHeartbeat, 'v' | 'kind'> & { at: string };

/** The last heartbeat of the collector feeding a room, while it is fresh. */
export async function collectorReport(deps: EdgeDeps, roomId: string): Promise<CollectorReport> {
  await getRoom(deps, roomId);
  const text = await deps.store.get(liveKeys.collectorStatus(roomId));
  if (!text) {
    throw new HttpError(404, `no collector has reported for room '${roomId}' recently`);
  }
  const { at, v: _v, kind: _kind, ...heartbeat } = JSON.parse(text) as CollectorHeartbeat & {
    at: number;
  };
  return { ...heartbeat, at: new Date(at).toISOString() };
}

/**
 * Where a collector should push, first match wins:
 * 1. the encoder that carries the room's open publish session, if it is up: the room is
 *    live there right now, and a reconnect within a talk must land on the same node
 *    (sending it elsewhere would take the talk over on another box mid-sentence). A pin
 *    the operator set or changed while the room is live applies from the next placement;
 * 2. the encoder the room is pinned to (`encoderNodeId`), if it is up, whatever its load
 *    or spare capacity: the operator planned it;
 * 3. the encoder it was last sent to, if that is still up;
 * 4. the least-loaded healthy encoder with room to spare (fewest rooms per capacity, then
 *    lowest CPU).
 * A pinned encoder that is down never loses a talk: the room goes to 3 or 4 and a warning
 * names the room and the pinned node.
 */
export async function assignIngest(deps: EdgeDeps, roomId: string): Promise<IngestResponse> {
  const room = await getRoom(deps, roomId);
  const candidates: { row: NodeRow; alive: AliveSummary }[] = [];
  for (const nodeId of await deps.store.setMembers(liveKeys.encoders)) {
    const alive = await aliveSummary(deps, nodeId);
    const row = alive ? await findNode(deps, nodeId) : null;
    if (alive && row?.kind === 'encoder' && row.rtmpUrl) candidates.push({ row, alive });
  }
  if (!candidates.length) {
    throw new HttpError(
      503,
      'no healthy encoder is registered; start one (roomcast encoder) and retry',
    );
  }

  const open = (await deps.db.select({ nodeId: publishSessions.nodeId }).from(publishSessions)
    .where(and(eq(publishSessions.roomId, roomId), isNull(publishSessions.endedAt))))[0];
  const sticky = await deps.store.get(liveKeys.assignment(roomId));
  const live = candidates.find((c) => c.row.id === open?.nodeId);
  const pinned = candidates.find((c) => c.row.id === room.encoderNodeId);
  const preferred = live ?? pinned ?? candidates.find((c) => c.row.id === sticky);
  const withSpace = candidates.filter((c) => c.alive.rooms < c.alive.capacity);
  const chosen = preferred ??
    [...(withSpace.length ? withSpace : candidates)].sort((a, b) =>
      a.alive.rooms / Math.max(a.alive.capacity, 1) -
        b.alive.rooms / Math.max(b.alive.capacity, 1) ||
      a.alive.cpuLoad - b.alive.cpuLoad ||
      a.row.id.localeCompare(b.row.id)
    )[0]!;
  if (room.encoderNodeId && !pinned) {
    deps.log.warn('pinned encoder is not up; the room goes to another encoder', {
      room: roomId,
      pinned: room.encoderNodeId,
      encoder: chosen.row.id,
    });
  } else if (pinned && chosen !== pinned) {
    const message = 'room stays on the encoder it is live on; its pin applies from the next ' +
      'placement';
    deps.log.info(message, { room: roomId, pinned: pinned.row.id, encoder: chosen.row.id });
  }
  await deps.store.set(liveKeys.assignment(roomId), chosen.row.id, { ttlMs: ASSIGNMENT_TTL_MS });
  return {
    v: WIRE_VERSION,
    room: roomId,
    encoderNodeId: chosen.row.id,
    rtmpUrl: chosen.row.rtmpUrl!,
  };
}
