// defaults: and rooms: of an event file. A room may only override keys that exist in
// defaults (deep), so a typo in one room is an error, not a silent fallback to a default;
// its own keys are title, collector.host and collector.nodeId. Values are checked with the
// box's config schema after merging, and a bad value is reported where it was written:
// once under defaults, or under the room that set it. `chat:` is the rooms' viewer chat
// (guests, mode, slow mode, links, length) as the edge's moderators would set it.
import { z } from 'zod';
import { chatSettingsFieldsSchema, type ChatSettingsPatch } from '../wire/chat.ts';
import { ladderSchema as wireLadderSchema } from '../wire/contracts.ts';
import { checkEncoderHost } from './check_boxes.ts';
import {
  checkHost,
  checkSection,
  COLLECTOR,
  type Doc,
  dropOwnKeys,
  gotText,
  isPlainObject,
  knownHint,
  knownKeys,
  LADDER,
  reportZodIssues,
  setOwn,
  SLUG,
} from './config_parts.ts';
import { type IssueList, type Path, pathText } from './errors.ts';
import { ASSIGN, type EncoderSpec, type Ladder, type RoomSpec } from './spec.ts';

type AnySchema = z.core.$ZodType;

const DEFAULTS_KEYS = ['collector', 'encoder', 'ladder', 'chat'] as const;
const ROOM_KEYS = ['title', 'collector', 'encoder', 'ladder', 'chat'] as const;

export const TITLE = z.string({ error: 'must be text' }).trim()
  .min(1, { error: 'must not be empty' }).max(200, { error: 'must be at most 200 characters' });

/** A room's encoder section: which encoder box carries it. */
const roomEncoder = z.strictObject({ host: z.string({ error: 'must be text' }) });

// Keys of the collector section defaults.collector and rooms must not set, and why.
const COLLECTOR_OWN: Record<string, string> = {
  host: 'is per room: set it in each room as rooms.<room>.collector.host',
  nodeId: 'is per room (default collector-<room>): set rooms.<room>.collector.nodeId',
  edgeUrl: 'comes from edge.url',
  room: 'is the room id (the key under rooms:)',
};

export interface Defaults {
  /** defaults.collector without the keys a room owns (checked values or as given). */
  collector?: Doc;
  encoder?: Doc;
  /** Where defaults.encoder.host points: ASSIGN or an encoder host. */
  encoderHost: string;
  ladder?: Ladder;
  /** defaults.ladder as written (a room may override it only when it exists). */
  hasLadder: boolean;
  /** defaults.chat, checked; a room may override only the keys it sets. */
  chat?: ChatSettingsPatch;
  /** defaults.chat as written, so a room's keys are judged by it even when a value is bad. */
  chatDoc?: Doc;
}

export function checkDefaults(
  value: unknown,
  encoders: Map<string, EncoderSpec>,
  issues: IssueList,
): Defaults {
  const defaults: Defaults = { encoderHost: ASSIGN, hasLadder: false };
  if (value === undefined || value === null) return defaults;
  if (!isPlainObject(value)) {
    issues.add(
      ['defaults'],
      `must be a mapping of collector:, encoder:, ladder: and chat: (${gotText(value)})`,
    );
    return defaults;
  }
  for (const key of Object.keys(value)) {
    if ((DEFAULTS_KEYS as readonly string[]).includes(key)) continue;
    const why = key === 'title'
      ? 'is per room: set rooms.<room>.title'
      : key === 'schedule'
      ? "unknown key: rooms have no schedule yet; the event's window is event.startsAt and " +
        'event.endsAt'
      : `unknown key${knownHint(DEFAULTS_KEYS)}`;
    issues.add(['defaults', key], why);
  }

  const collector = value.collector;
  if (collector !== undefined) {
    const path = ['defaults', 'collector'];
    if (isPlainObject(collector)) {
      defaults.collector = dropOwnKeys(collector, COLLECTOR_OWN, path, issues);
      const result = COLLECTOR.safeParse(defaults.collector);
      if (!result.success) {
        reportZodIssues(result.error.issues, {
          value: defaults.collector,
          schema: COLLECTOR,
          sink: issues,
          at: (p) => [...path, ...p],
        });
      }
    } else {
      issues.add(path, `must be a mapping of collector settings (${gotText(collector)})`);
    }
  }

  const encoder = value.encoder;
  if (encoder !== undefined) {
    const path = ['defaults', 'encoder'];
    const checked = checkSection(roomEncoder, encoder, path, issues);
    if (isPlainObject(encoder)) defaults.encoder = encoder;
    if (checked && checkEncoderHost(checked.host, [...path, 'host'], encoders, issues)) {
      defaults.encoderHost = checked.host;
    }
  }

  if (value.ladder !== undefined) {
    defaults.hasLadder = true;
    defaults.ladder = checkLadder(value.ladder, ['defaults', 'ladder'], issues);
  }

  if (value.chat !== undefined) {
    defaults.chat = checkSection(
      chatSettingsFieldsSchema,
      value.chat,
      ['defaults', 'chat'],
      issues,
    );
    if (isPlainObject(value.chat)) defaults.chatDoc = value.chat;
  }
  return defaults;
}

/** A ladder as the boxes check it, and as the edge's API accepts it (at most 12 rungs). */
function checkLadder(value: unknown, path: Path, issues: IssueList): Ladder | undefined {
  const result = LADDER.safeParse(value);
  if (!result.success) {
    reportZodIssues(result.error.issues, {
      value,
      schema: LADDER,
      sink: issues,
      at: (p) => [...path, ...p],
    });
    return undefined;
  }
  const wire = wireLadderSchema.safeParse(value);
  if (!wire.success) {
    for (const issue of wire.error.issues) {
      issues.add([...path, ...(issue.path as Path)], `is refused by the edge: ${issue.message}`);
    }
    return undefined;
  }
  return result.data as Ladder;
}

/** A room that passed its own checks; checkBoxes looks across rooms. */
export interface CheckedRoom {
  id: string;
  spec: RoomSpec;
  encoderHost: string;
  /** Where the room's collector node id comes from: its nodeId key, or the collector. */
  nodeIdPath: Path;
}

export function checkRooms(
  value: unknown,
  defaults: Defaults,
  encoders: Map<string, EncoderSpec>,
  issues: IssueList,
): CheckedRoom[] {
  if (!isPlainObject(value) || Object.keys(value).length === 0) {
    issues.add(
      ['rooms'],
      `must be a mapping of room ids to rooms, at least one (${gotText(value)})`,
    );
    return [];
  }
  const rooms: CheckedRoom[] = [];
  for (const [id, entry] of Object.entries(value)) {
    const room = checkRoom(id, entry, defaults, encoders, issues);
    if (room) rooms.push(room);
  }
  return rooms;
}

function checkRoom(
  id: string,
  entry: unknown,
  defaults: Defaults,
  encoders: Map<string, EncoderSpec>,
  issues: IssueList,
): CheckedRoom | undefined {
  const path = ['rooms', id];
  const idCheck = SLUG.safeParse(id);
  if (!idCheck.success) {
    issues.add(path, `the room id ${idCheck.error.issues[0]?.message ?? 'is not valid'}`);
  }
  if (!isPlainObject(entry)) {
    issues.add(path, `must be a mapping with at least collector.host (${gotText(entry)})`);
    return undefined;
  }
  for (const key of Object.keys(entry)) {
    if (!(ROOM_KEYS as readonly string[]).includes(key)) {
      issues.add([...path, key], `unknown key${knownHint(ROOM_KEYS)}`);
    }
  }

  let title = id;
  if (entry.title !== undefined) {
    const checked = TITLE.safeParse(entry.title);
    if (checked.success) title = checked.data;
    else {
      issues.add(
        [...path, 'title'],
        `${checked.error.issues[0]?.message} (${gotText(entry.title)})`,
      );
    }
  }

  const collector = checkRoomCollector(id, entry.collector, defaults, issues);

  let encoderHost = defaults.encoderHost;
  if (entry.encoder !== undefined) {
    const encoderPath = [...path, 'encoder'];
    const own = overridesOnly(
      entry.encoder,
      defaults.encoder,
      encoderPath,
      [
        'defaults',
        'encoder',
      ],
      roomEncoder,
      issues,
    );
    if (own?.host !== undefined) {
      const encoderHostPath = [...encoderPath, 'host'];
      if (typeof own.host !== 'string') {
        issues.add(encoderHostPath, `must be text (${gotText(own.host)})`);
      } else if (checkEncoderHost(own.host, encoderHostPath, encoders, issues)) {
        encoderHost = own.host;
      }
    }
  }

  let ladder = defaults.ladder ?? null;
  if (entry.ladder !== undefined) {
    if (!defaults.hasLadder) {
      issues.add(
        [...path, 'ladder'],
        'a room may only override keys that exist in defaults: add defaults.ladder first',
      );
    } else {
      ladder = checkLadder(entry.ladder, [...path, 'ladder'], issues) ?? null;
    }
  }

  let chat: ChatSettingsPatch | null = defaults.chat ?? null;
  if (entry.chat !== undefined) {
    const chatPath = [...path, 'chat'];
    const own = overridesOnly(
      entry.chat,
      defaults.chatDoc,
      chatPath,
      ['defaults', 'chat'],
      chatSettingsFieldsSchema,
      issues,
    );
    const checked = own && checkSection(chatSettingsFieldsSchema, own, chatPath, issues);
    if (checked) chat = { ...defaults.chat, ...checked };
  }

  if (!idCheck.success || !collector) return undefined;
  return {
    id,
    encoderHost,
    nodeIdPath: collector.nodeIdPath,
    spec: {
      id,
      title,
      collector: { host: collector.host, nodeId: collector.nodeId, settings: collector.settings },
      encoderHost,
      ladder,
      chat,
    },
  };
}

function checkRoomCollector(
  id: string,
  value: unknown,
  defaults: Defaults,
  issues: IssueList,
): { host: string; nodeId: string; nodeIdPath: Path; settings: Doc } | undefined {
  const path = ['rooms', id, 'collector'];
  if (!isPlainObject(value)) {
    issues.add(
      path,
      value === undefined
        ? 'missing: every room needs collector.host, the SSH host of its venue box'
        : `must be a mapping with at least host (${gotText(value)})`,
    );
    return undefined;
  }
  const { host, nodeId, ...rest } = value;
  let hostOk = false;
  if (host === undefined) {
    issues.add([...path, 'host'], 'missing: the SSH host of the venue box feeding this room');
  } else if (typeof host !== 'string') {
    issues.add([...path, 'host'], `must be a host name or IP address (${gotText(host)})`);
  } else {
    hostOk = checkHost(host, [...path, 'host'], issues);
  }

  const nodeIdPath = nodeId === undefined ? path : [...path, 'nodeId'];
  const resolvedNodeId = nodeId === undefined ? `collector-${id}` : nodeId;
  const nodeIdCheck = SLUG.safeParse(resolvedNodeId);
  // A bad room id is reported already; the node id made from it would only repeat that.
  if (!nodeIdCheck.success && (nodeId !== undefined || SLUG.safeParse(id).success)) {
    issues.add(
      nodeIdPath,
      nodeId === undefined
        ? `the node id collector-${id} made from the room id is not valid (${
          nodeIdCheck.error.issues[0]?.message
        }): set rooms.${id}.collector.nodeId`
        : `nodeId ${nodeIdCheck.error.issues[0]?.message} (${gotText(nodeId)})`,
    );
  }

  for (const key of ['edgeUrl', 'room']) {
    if (rest[key] !== undefined) {
      issues.add([...path, key], COLLECTOR_OWN[key]!);
      delete rest[key];
    }
  }
  const own =
    overridesOnly(rest, defaults.collector, path, ['defaults', 'collector'], COLLECTOR, issues) ??
      {};
  const settings = mergeDeep(defaults.collector ?? {}, own);
  const result = COLLECTOR.safeParse(settings);
  if (!result.success) {
    // Only what the room set: a bad value from defaults is reported once, under defaults.
    reportZodIssues(result.error.issues, {
      value: settings,
      schema: COLLECTOR,
      sink: issues,
      at: (p) => (setsPath(own, p) ? [...path, ...p] : null),
    });
  }
  if (!hostOk || !nodeIdCheck.success || typeof host !== 'string') return undefined;
  return { host, nodeId: nodeIdCheck.data as string, nodeIdPath, settings };
}

/**
 * The part of a room's section whose keys exist in the matching defaults section (deep);
 * every other key is an issue. Lists and values replace; mappings are looked into.
 */
function overridesOnly(
  value: unknown,
  base: Doc | undefined,
  path: Path,
  basePath: Path,
  schema: AnySchema,
  issues: IssueList,
  schemaPath: Path = [],
): Doc | undefined {
  if (!isPlainObject(value)) {
    issues.add(path, `must be a mapping (${gotText(value)})`);
    return undefined;
  }
  const kept: Doc = {};
  for (const [key, child] of Object.entries(value)) {
    const here = [...path, key];
    const known = knownKeys(schema, schemaPath, {});
    if (!known.includes(key)) {
      issues.add(here, `unknown key${knownHint(known)}`);
      continue;
    }
    if (base === undefined || !Object.hasOwn(base, key)) {
      issues.add(
        here,
        `a room may only override keys that exist in defaults: add ${
          pathText([...basePath, key])
        } first`,
      );
      continue;
    }
    const baseChild = base[key];
    if (isPlainObject(child) && isPlainObject(baseChild)) {
      const inner = overridesOnly(child, baseChild, here, [...basePath, key], schema, issues, [
        ...schemaPath,
        key,
      ]);
      if (inner !== undefined) setOwn(kept, key, inner);
    } else {
      setOwn(kept, key, child);
    }
  }
  return kept;
}

/** True when the room itself set the value at path (or a value containing it). */
function setsPath(own: Doc, path: Path): boolean {
  let node: unknown = own;
  for (const segment of path) {
    if (!isPlainObject(node)) return true;
    if (!Object.hasOwn(node, segment)) return false;
    node = node[segment as string];
  }
  return true;
}

function mergeDeep(base: Doc, over: Doc): Doc {
  const out: Doc = {};
  for (const [key, value] of Object.entries(base)) setOwn(out, key, value);
  for (const [key, value] of Object.entries(over)) {
    const existing = Object.hasOwn(out, key) ? out[key] : undefined;
    setOwn(
      out,
      key,
      isPlainObject(value) && isPlainObject(existing) ? mergeDeep(existing, value) : value,
    );
  }
  return out;
}
