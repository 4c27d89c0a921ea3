// The control room's picture of an event: one tile per room (is it on air, what the venue
// box sees and hears, what the encoder makes of it and what viewers get), the nodes with
// their heartbeat age and load, and the open alerts. Built from what the edge already
// keeps (the boxes' last heartbeats in the live store, sessions and alerts in the
// database), so every edge instance draws the same picture.
import { count, eq } from 'drizzle-orm';
import type { CollectorHeartbeat, OutputProbe } from '../../core/wire/contracts.ts';
import { alertDeliveries } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';
import { liveKeys } from '../live_keys.ts';
import { type AlertView, listAlerts } from '../alerts/alert_list.ts';
import { listNodes, type NodeInfo } from '../services/registry.ts';
import { getEvent, listRooms, type RoomRecord } from '../services/rooms.ts';
import { roomLiveness, roomStatus } from '../services/viewing.ts';

export type TileState = 'live' | 'reconnecting' | 'offline' | 'ended';

export interface RoomTile {
  id: string;
  title: string;
  eventId: string | null;
  state: TileState;
  /** While reconnecting: since when the publisher has been gone (ISO). */
  awaySince: string | null;
  viewers: number;
  /** The venue box, while its heartbeats come in. */
  collector: {
    nodeId: string;
    state: CollectorHeartbeat['state'];
    at: string;
    input: CollectorHeartbeat['input'];
    levels: CollectorHeartbeat['levels'];
    silentSeconds: number | null;
    clipping: boolean;
    uplink: CollectorHeartbeat['uplink'];
    recording: CollectorHeartbeat['recording'];
    /** The box's own preview picture (before the encode), or null. */
    previewUrl: string | null;
  } | null;
  /** The encoder carrying the room, while it reports it. */
  encoder: {
    nodeId: string;
    cpuLoad: number | null;
    renditions: { name: string; speed: number | null }[];
    errors: string[];
    ingestAdvice: string | null;
    /** What viewers get: the encoder's look at its own output. */
    output: (Omit<OutputProbe, 'frameJpegBase64'> & { frameUrl: string | null }) | null;
  } | null;
  alerts: AlertView[];
}

export interface ControlRoomSnapshot {
  event: { id: string; title: string; state: string } | null;
  rooms: RoomTile[];
  nodes: NodeInfo[];
  /** Every open alert (of any room or node), newest first. */
  alerts: AlertView[];
  /** Webhook deliveries that ran out of attempts. */
  deadDeliveries: number;
}

const API = '/api/v1/control';

/** The event's rooms (every room without `eventId`), nodes and alerts as of now. */
export async function controlRoomSnapshot(
  deps: EdgeDeps,
  eventId: string | undefined,
): Promise<ControlRoomSnapshot> {
  const event = eventId ? await getEvent(deps, eventId) : null;
  const [rooms, nodes, alerts] = await Promise.all([
    listRooms(deps, eventId ? { eventId } : {}),
    listNodes(deps),
    listAlerts(deps, { openOnly: true, limit: 500 }),
  ]);
  const cpuOf = new Map(nodes.map((node) => [node.id, node.load?.cpuLoad ?? null]));
  const [dead] = await deps.db.select({ n: count() }).from(alertDeliveries)
    .where(eq(alertDeliveries.state, 'dead'));
  return {
    event: event ? { id: event.id, title: event.title, state: event.state } : null,
    rooms: await Promise.all(rooms.map((room) => roomTile(deps, room, cpuOf, alerts))),
    nodes,
    alerts,
    deadDeliveries: dead?.n ?? 0,
  };
}

async function roomTile(
  deps: EdgeDeps,
  room: RoomRecord,
  cpuOf: Map<string, number | null>,
  alerts: AlertView[],
): Promise<RoomTile> {
  const { state, awaySince } = await roomLiveness(deps, room);
  const collector = await collectorOf(deps, room.id);
  const status = state === 'offline' || state === 'ended' ? null : await roomStatus(deps, room.id);
  const frame = status?.output ? await outputFrame(deps, room.id) : null;
  return {
    id: room.id,
    title: room.title,
    eventId: room.eventId,
    state: state === 'backSoon' ? 'reconnecting' : state,
    awaySince: awaySince === null ? null : new Date(awaySince).toISOString(),
    viewers: status?.viewers ?? 0,
    collector: collector && {
      nodeId: collector.nodeId,
      state: collector.state,
      at: new Date(collector.at).toISOString(),
      input: collector.input,
      levels: collector.levels,
      silentSeconds: collector.audio?.silentSeconds ?? null,
      clipping: collector.audio?.clipping ?? false,
      uplink: collector.uplink,
      recording: collector.recording,
      previewUrl: collector.previewJpegBase64
        ? `${API}/rooms/${room.id}/preview.jpg?at=${collector.at}`
        : null,
    },
    encoder: status && {
      nodeId: status.nodeId,
      cpuLoad: cpuOf.get(status.nodeId) ?? null,
      renditions: status.renditions,
      errors: status.errors,
      ingestAdvice: status.ingest?.advice ?? null,
      output: status.output
        ? {
          ...status.output,
          frameUrl: frame ? `${API}/rooms/${room.id}/output.jpg?at=${frame.at}` : null,
        }
        : null,
    },
    alerts: alerts.filter((alert) => alert.roomId === room.id),
  };
}

type StoredCollector = CollectorHeartbeat & { at: number };

async function collectorOf(deps: EdgeDeps, roomId: string): Promise<StoredCollector | null> {
  const text = await deps.store.get(liveKeys.collectorStatus(roomId));
  return text ? JSON.parse(text) as StoredCollector : null;
}

async function outputFrame(deps: EdgeDeps, roomId: string) {
  const text = await deps.store.get(liveKeys.outputFrame(roomId));
  return text ? JSON.parse(text) as { jpegBase64: string; at: number } : null;
}

/** A picture of the room for the control room: the box's preview or the encoder's output. */
export async function controlPicture(
  deps: EdgeDeps,
  roomId: string,
  which: 'preview' | 'output',
): Promise<Uint8Array> {
  const base64 = which === 'preview'
    ? (await collectorOf(deps, roomId))?.previewJpegBase64
    : (await outputFrame(deps, roomId))?.jpegBase64;
  if (!base64) {
    throw new HttpError(
      404,
      which === 'preview'
        ? `no collector preview of room '${roomId}' recently`
        : `no recent picture of the output of room '${roomId}'`,
    );
  }
  try {
    const binary = atob(base64);
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    throw new HttpError(404, `the ${which} picture of room '${roomId}' is not readable`);
  }
}
