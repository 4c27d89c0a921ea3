// `roomcast event apply`: makes the edge hold the event and rooms the event file describes,
// through the operator API. Planning is a pure comparison of the file with what the edge
// has, so a dry run prints exactly what a real run would do, and a second run finds
// nothing to do.
//
// Only what the file says is managed: the event's title and (when given) its times; each
// room's title, event, encoder pin, (when the file has a ladder) ladder and (when it has
// chat settings) the chat settings it names — the others stay as the moderators set them.
// A room pinned to an encoder the edge does not have yet (the operator runs `roomcast node
// add` later) is planned unpinned, with a warning, so the rest of the apply still happens;
// once the node is added, the next apply sets the pin. The event's state (scheduled,
// live, ended) is the operator's to switch during the event. Rooms of the event that the
// file does not list are reported and never deleted: deleting a room loses its keys and
// could cut a live stream over a typo.
import type { ChatSettings, ChatSettingsPatch } from '../wire/chat.ts';
import type { EventSpec } from './spec.ts';

/** The part of the edge client this needs (cli/edge_client.ts provides it). */
export interface OperatorApi {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export interface EdgeEvent {
  id: string;
  title: string;
  state: string;
  startsAt: string | null;
  endsAt: string | null;
}

export interface EdgeRoom {
  id: string;
  title: string;
  eventId: string | null;
  ladder: unknown[] | null;
  /** The encoder node the room is pinned to; null = the edge places it by load. */
  encoderNodeId: string | null;
  state: string;
}

export interface EdgeNode {
  id: string;
  kind: string;
}

export interface EdgeState {
  events: EdgeEvent[];
  rooms: EdgeRoom[];
  nodes: EdgeNode[];
  /** Chat settings of the rooms that exist and whose file entry sets some. */
  chat: ReadonlyMap<string, ChatSettings>;
}

export interface FieldChange {
  field: 'title' | 'startsAt' | 'endsAt' | 'eventId' | 'ladder' | 'encoderNodeId' | 'chat';
  from: unknown;
  to: unknown;
}

export type Action = 'create' | 'update' | 'unchanged';

export interface PlanItem {
  kind: 'event' | 'room';
  id: string;
  action: Action;
  /** For update: each field that differs; for create: empty. */
  changes: FieldChange[];
}

export interface ApplyPlan {
  event: PlanItem;
  /** Rooms of the file, sorted by id. */
  rooms: PlanItem[];
  /** Rooms of this event on the edge that the file does not list: left alone. */
  leftAlone: { id: string; title: string }[];
  /** What the edge cannot hold yet, though the run goes ahead (pins to missing encoders). */
  warnings: string[];
  /** Room id → the encoder node it is to be pinned to (null: by load), for creating it. */
  pins: ReadonlyMap<string, string | null>;
}

/** What the edge answered for a room it created: its first stream key, shown once. */
export interface NewStreamKey {
  key: string;
  info: { id: string; hint: string };
}

export interface ItemResult extends PlanItem {
  /** True once the edge accepted the change (always false for unchanged items). */
  done: boolean;
  /** Why the edge refused it, or why it was skipped. */
  error?: string;
  /** The stream key of a room this run created (shown once, put it in the secrets file). */
  streamKey?: NewStreamKey;
}

export interface ApplyResult {
  event: ItemResult;
  rooms: ItemResult[];
  leftAlone: ApplyPlan['leftAlone'];
  warnings: string[];
  failed: boolean;
}

export async function readEdgeState(api: OperatorApi, spec: EventSpec): Promise<EdgeState> {
  const { events } = await api.request<{ events: EdgeEvent[] }>('GET', '/events');
  const { rooms } = await api.request<{ rooms: EdgeRoom[] }>('GET', '/rooms');
  const { nodes } = await api.request<{ nodes: EdgeNode[] }>('GET', '/nodes');
  const chat = new Map<string, ChatSettings>();
  for (const room of spec.rooms) {
    if (room.chat === null || !rooms.some((r) => r.id === room.id)) continue;
    chat.set(room.id, await api.request<ChatSettings>('GET', chatSettingsPath(room.id)));
  }
  return { events, rooms, nodes, chat };
}

const chatSettingsPath = (roomId: string) => `/chat/rooms/${encodeURIComponent(roomId)}/settings`;

/** The keys of `wanted` that `current` does not have yet: from and to, or null if none. */
function chatChange(
  current: ChatSettings | undefined,
  wanted: ChatSettingsPatch | null,
): FieldChange | null {
  if (!wanted || !current) return null;
  const keys = (Object.keys(wanted) as (keyof ChatSettingsPatch)[])
    .filter((key) => wanted[key] !== current[key]);
  if (!keys.length) return null;
  return {
    field: 'chat',
    from: Object.fromEntries(keys.map((key) => [key, current[key]])),
    to: Object.fromEntries(keys.map((key) => [key, wanted[key]])),
  };
}

/**
 * The encoder node each room of the file is pinned to, as the edge can hold it: the node id
 * of its `encoder.host`, or null for `assign` — and null, with a warning per node, where the
 * edge has no encoder of that id yet.
 */
function plannedPins(
  spec: EventSpec,
  nodes: EdgeNode[],
): { pins: Map<string, string | null>; warnings: string[] } {
  const pins = new Map<string, string | null>();
  const warnings: string[] = [];
  for (const room of spec.rooms) pins.set(room.id, null);
  for (const encoder of spec.encoders) {
    if (!encoder.rooms.length) continue;
    const node = nodes.find((n) => n.id === encoder.nodeId);
    if (node?.kind === 'encoder') {
      for (const room of encoder.rooms) pins.set(room, encoder.nodeId);
      continue;
    }
    const rooms = `${encoder.rooms.join(', ')} ${encoder.rooms.length === 1 ? 'is' : 'are'}`;
    warnings.push(
      node
        ? `${encoder.nodeId} (${encoder.host}) is a ${node.kind} on the edge, not an encoder: ` +
          `${rooms} placed by load until it is one (roomcast node remove ${encoder.nodeId}, ` +
          `roomcast node add ${encoder.nodeId} --kind encoder), then apply again`
        : `${encoder.nodeId} (${encoder.host}) is not on the edge yet: ${rooms} placed by load ` +
          `until it is added (roomcast node add ${encoder.nodeId} --kind encoder), then apply ` +
          'again',
    );
  }
  return { pins, warnings };
}

export function planApply(spec: EventSpec, state: EdgeState): ApplyPlan {
  const { pins, warnings } = plannedPins(spec, state.nodes);
  const current = state.events.find((e) => e.id === spec.event.id);
  const event: PlanItem = current
    ? item('event', spec.event.id, eventChanges(spec, current))
    : { kind: 'event', id: spec.event.id, action: 'create', changes: [] };
  const rooms = spec.rooms.map((room): PlanItem => {
    const existing = state.rooms.find((r) => r.id === room.id);
    if (!existing) return { kind: 'room', id: room.id, action: 'create', changes: [] };
    const changes: FieldChange[] = [];
    if (existing.title !== room.title) {
      changes.push({ field: 'title', from: existing.title, to: room.title });
    }
    if (existing.eventId !== spec.event.id) {
      changes.push({ field: 'eventId', from: existing.eventId, to: spec.event.id });
    }
    if (room.ladder !== null && !sameJson(existing.ladder, room.ladder)) {
      changes.push({ field: 'ladder', from: existing.ladder, to: room.ladder });
    }
    const pin = pins.get(room.id) ?? null;
    if (existing.encoderNodeId !== pin) {
      changes.push({ field: 'encoderNodeId', from: existing.encoderNodeId, to: pin });
    }
    const chat = chatChange(state.chat.get(room.id), room.chat);
    if (chat) changes.push(chat);
    return item('room', room.id, changes);
  });
  const listed = new Set(spec.rooms.map((r) => r.id));
  const leftAlone = state.rooms.filter((r) => r.eventId === spec.event.id && !listed.has(r.id))
    .map(({ id, title }) => ({ id, title }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  return { event, rooms, leftAlone, warnings, pins };
}

function item(kind: PlanItem['kind'], id: string, changes: FieldChange[]): PlanItem {
  return { kind, id, action: changes.length ? 'update' : 'unchanged', changes };
}

function eventChanges(spec: EventSpec, current: EdgeEvent): FieldChange[] {
  const changes: FieldChange[] = [];
  if (current.title !== spec.event.title) {
    changes.push({ field: 'title', from: current.title, to: spec.event.title });
  }
  for (const field of ['startsAt', 'endsAt'] as const) {
    const wanted = spec.event[field];
    // The edge answers in UTC with milliseconds; the file may use any zone.
    if (wanted !== undefined && !sameInstant(current[field], wanted)) {
      changes.push({ field, from: current[field], to: wanted });
    }
  }
  return changes;
}

/** Carries the plan out, item by item; a refused item is reported and the rest go on. */
export async function executePlan(
  spec: EventSpec,
  plan: ApplyPlan,
  api: OperatorApi,
): Promise<ApplyResult> {
  const event = await run(
    plan.event,
    () =>
      plan.event.action === 'create'
        ? api.request('POST', '/events', {
          id: spec.event.id,
          title: spec.event.title,
          ...(spec.event.startsAt !== undefined ? { startsAt: spec.event.startsAt } : {}),
          ...(spec.event.endsAt !== undefined ? { endsAt: spec.event.endsAt } : {}),
        })
        : api.request('PATCH', `/events/${encodeURIComponent(spec.event.id)}`, patchOf(plan.event)),
  );

  const rooms: ItemResult[] = [];
  for (const planned of plan.rooms) {
    if (event.error !== undefined) {
      // Rooms point at the event, so without it the edge would refuse them all.
      rooms.push({ ...planned, done: false, error: `skipped: event ${spec.event.id} failed` });
      continue;
    }
    const room = spec.rooms.find((r) => r.id === planned.id)!;
    let streamKey: NewStreamKey | undefined;
    const result = await run(planned, async () => {
      if (planned.action === 'update') {
        const { chat, ...fields } = patchOf(planned);
        if (Object.keys(fields).length) {
          await api.request('PATCH', `/rooms/${encodeURIComponent(room.id)}`, fields);
        }
        if (chat) await api.request('PATCH', chatSettingsPath(room.id), chat);
        return;
      }
      const created = await api.request<{ streamKey: NewStreamKey | null }>('POST', '/rooms', {
        id: room.id,
        title: room.title,
        eventId: spec.event.id,
        ...(room.ladder !== null ? { ladder: room.ladder } : {}),
        ...(plan.pins.get(room.id) ? { encoderNodeId: plan.pins.get(room.id) } : {}),
      });
      streamKey = created.streamKey ?? undefined;
      if (room.chat && Object.keys(room.chat).length) {
        await api.request('PATCH', chatSettingsPath(room.id), room.chat);
      }
    });
    rooms.push(streamKey ? { ...result, streamKey } : result);
  }
  const failed = [event, ...rooms].some((r) => r.error !== undefined);
  return { event, rooms, leftAlone: plan.leftAlone, warnings: plan.warnings, failed };
}

async function run(planned: PlanItem, change: () => Promise<unknown>): Promise<ItemResult> {
  if (planned.action === 'unchanged') return { ...planned, done: false };
  try {
    await change();
    return { ...planned, done: true };
  } catch (error) {
    return { ...planned, done: false, error: (error as Error).message };
  }
}

function patchOf(planned: PlanItem): Record<string, unknown> {
  return Object.fromEntries(planned.changes.map((change) => [change.field, change.to]));
}

function sameInstant(edge: string | null, wanted: string | null): boolean {
  if (edge === null || wanted === null) return edge === wanted;
  return Date.parse(edge) === Date.parse(wanted);
}

/** Equal as JSON values, whatever the order of keys in objects. */
function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
