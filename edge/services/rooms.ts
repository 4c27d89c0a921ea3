// Events and rooms: the operator's catalogue. A room's id is its public name everywhere
// (stream name, HLS folder, URLs); it is chosen by the operator and never changes.
import { asc, eq } from 'drizzle-orm';
import type { Rendition } from '../../core/wire/contracts.ts';
import { accounts, events, nodes, rooms } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';
import { fromIso, toIso } from '../iso_time.ts';

export type EventState = (typeof events.$inferSelect)['state'];

export interface EventRecord {
  id: string;
  title: string;
  state: EventState;
  startsAt: string | null;
  endsAt: string | null;
}

export interface RoomRecord {
  id: string;
  eventId: string | null;
  title: string;
  ownerAccountId: string | null;
  ladder: Rendition[] | null;
  /** The encoder the room is pinned to (services/registry.ts assignIngest); null = by load. */
  encoderNodeId: string | null;
  state: 'offline' | 'live';
}

type EventRow = typeof events.$inferSelect;
type RoomRow = typeof rooms.$inferSelect;

function toEvent(row: EventRow): EventRecord {
  return {
    id: row.id,
    title: row.title,
    state: row.state,
    startsAt: toIso(row.startsAt),
    endsAt: toIso(row.endsAt),
  };
}

export function toRoom(row: RoomRow): RoomRecord {
  return {
    id: row.id,
    eventId: row.eventId,
    title: row.title,
    ownerAccountId: row.ownerAccountId,
    ladder: row.ladderJson ? JSON.parse(row.ladderJson) as Rendition[] : null,
    encoderNodeId: row.encoderNodeId,
    state: row.state,
  };
}

// ---------------------------------------------------------------- events

export async function listEvents(deps: EdgeDeps): Promise<EventRecord[]> {
  return (await deps.db.select().from(events).orderBy(asc(events.id))).map(toEvent);
}

export async function getEvent(deps: EdgeDeps, id: string): Promise<EventRecord> {
  const row = (await deps.db.select().from(events).where(eq(events.id, id)))[0];
  if (!row) throw new HttpError(404, `no event '${id}'`);
  return toEvent(row);
}

export async function createEvent(
  deps: EdgeDeps,
  input: { id: string; title: string; startsAt?: string | null; endsAt?: string | null },
): Promise<EventRecord> {
  if (
    (await deps.db.select({ id: events.id }).from(events).where(eq(events.id, input.id))).length
  ) {
    throw new HttpError(409, `event '${input.id}' exists already`);
  }
  const now = deps.now();
  const row: EventRow = {
    id: input.id,
    title: input.title,
    state: 'scheduled',
    startsAt: fromIso(input.startsAt),
    endsAt: fromIso(input.endsAt),
    createdAt: now,
    updatedAt: now,
  };
  await deps.db.insert(events).values(row);
  return toEvent(row);
}

export async function updateEvent(
  deps: EdgeDeps,
  id: string,
  patch: { title?: string; state?: EventState; startsAt?: string | null; endsAt?: string | null },
): Promise<EventRecord> {
  await getEvent(deps, id);
  await deps.db.update(events).set({
    ...(patch.title !== undefined ? { title: patch.title } : {}),
    ...(patch.state !== undefined ? { state: patch.state } : {}),
    ...(patch.startsAt !== undefined ? { startsAt: fromIso(patch.startsAt) } : {}),
    ...(patch.endsAt !== undefined ? { endsAt: fromIso(patch.endsAt) } : {}),
    updatedAt: deps.now(),
  }).where(eq(events.id, id));
  return getEvent(deps, id);
}

export async function deleteEvent(deps: EdgeDeps, id: string): Promise<void> {
  await getEvent(deps, id);
  await deps.db.delete(events).where(eq(events.id, id));
}

// ---------------------------------------------------------------- rooms

/** A room's owner must be an account; the database would refuse it less politely. */
async function assertAccountExists(deps: EdgeDeps, accountId: string): Promise<void> {
  const found = await deps.db.select({ id: accounts.id }).from(accounts).where(
    eq(accounts.id, accountId),
  );
  if (!found.length) throw new HttpError(404, `no account with id '${accountId}' (ownerAccountId)`);
}

/**
 * A room may only be pinned to an encoder the registry knows. 409, not 400: the request is
 * well formed, the registry does not (yet) hold such an encoder — as when a node registers
 * as the wrong kind.
 */
async function assertEncoderNode(deps: EdgeDeps, nodeId: string): Promise<void> {
  const [node] = await deps.db.select({ kind: nodes.kind }).from(nodes)
    .where(eq(nodes.id, nodeId));
  if (!node) {
    throw new HttpError(
      409,
      `encoderNodeId: no node '${nodeId}'; add it first (roomcast node add ${nodeId} --kind ` +
        'encoder), or leave the room unpinned (null) for the edge to place it by load',
    );
  }
  if (node.kind !== 'encoder') {
    throw new HttpError(
      409,
      `encoderNodeId: node '${nodeId}' is a ${node.kind}; a room can only be pinned to an encoder`,
    );
  }
}

export async function listRooms(
  deps: EdgeDeps,
  filter: { eventId?: string } = {},
): Promise<RoomRecord[]> {
  const query = deps.db.select().from(rooms);
  const rows = filter.eventId
    ? await query.where(eq(rooms.eventId, filter.eventId)).orderBy(asc(rooms.id))
    : await query.orderBy(asc(rooms.id));
  return rows.map(toRoom);
}

export async function findRoom(deps: EdgeDeps, id: string): Promise<RoomRecord | null> {
  const row = (await deps.db.select().from(rooms).where(eq(rooms.id, id)))[0];
  return row ? toRoom(row) : null;
}

export async function getRoom(deps: EdgeDeps, id: string): Promise<RoomRecord> {
  const room = await findRoom(deps, id);
  if (!room) throw new HttpError(404, `no room '${id}'`);
  return room;
}

export async function createRoom(
  deps: EdgeDeps,
  input: {
    id: string;
    title?: string;
    eventId?: string | null;
    ownerAccountId?: string | null;
    ladder?: Rendition[] | null;
    encoderNodeId?: string | null;
  },
): Promise<RoomRecord> {
  if (await findRoom(deps, input.id)) throw new HttpError(409, `room '${input.id}' exists already`);
  if (input.eventId) await getEvent(deps, input.eventId);
  if (input.ownerAccountId) await assertAccountExists(deps, input.ownerAccountId);
  if (input.encoderNodeId) await assertEncoderNode(deps, input.encoderNodeId);
  const now = deps.now();
  const row: RoomRow = {
    id: input.id,
    eventId: input.eventId ?? null,
    title: input.title ?? input.id,
    ownerAccountId: input.ownerAccountId ?? null,
    ladderJson: input.ladder ? JSON.stringify(input.ladder) : null,
    encoderNodeId: input.encoderNodeId ?? null,
    state: 'offline',
    createdAt: now,
    updatedAt: now,
  };
  await deps.db.insert(rooms).values(row);
  return toRoom(row);
}

export async function updateRoom(
  deps: EdgeDeps,
  id: string,
  patch: {
    title?: string;
    eventId?: string | null;
    ownerAccountId?: string | null;
    ladder?: Rendition[] | null;
    encoderNodeId?: string | null;
  },
): Promise<RoomRecord> {
  await getRoom(deps, id);
  if (patch.eventId) await getEvent(deps, patch.eventId);
  if (patch.ownerAccountId) await assertAccountExists(deps, patch.ownerAccountId);
  if (patch.encoderNodeId) await assertEncoderNode(deps, patch.encoderNodeId);
  await deps.db.update(rooms).set({
    ...(patch.title !== undefined ? { title: patch.title } : {}),
    ...(patch.eventId !== undefined ? { eventId: patch.eventId } : {}),
    ...(patch.ownerAccountId !== undefined ? { ownerAccountId: patch.ownerAccountId } : {}),
    ...(patch.ladder !== undefined
      ? { ladderJson: patch.ladder ? JSON.stringify(patch.ladder) : null }
      : {}),
    ...(patch.encoderNodeId !== undefined ? { encoderNodeId: patch.encoderNodeId } : {}),
    updatedAt: deps.now(),
  }).where(eq(rooms.id, id));
  return getRoom(deps, id);
}

export async function deleteRoom(deps: EdgeDeps, id: string): Promise<void> {
  const room = await getRoom(deps, id);
  if (room.state === 'live') {
    throw new HttpError(409, `room '${id}' is live; stop the publish (revoke its keys) first`);
  }
  await deps.db.delete(rooms).where(eq(rooms.id, id));
}
