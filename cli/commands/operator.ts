// Commands that talk to the edge's operator API: login, rooms, stream keys, events,
// nodes, accounts. Secrets the edge shows once (stream keys, node secrets, tokens) are
// printed to the operator's terminal and nowhere else.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { WatchdogAction } from '../../core/wire/contracts.ts';
import { CliError, type Command, table } from '../command.ts';
import { createEdgeClient, credentialsPath, readCredentials } from '../edge_client.ts';
import { readSecret } from '../secret_input.ts';

interface Room {
  id: string;
  title: string;
  eventId: string | null;
  state: string;
  ladder: unknown[] | null;
  encoderNodeId: string | null;
}
interface NewKey {
  key: string;
  info: { id: string; hint: string };
  revoked?: number;
}
interface KeyInfo {
  id: string;
  hint: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}
interface EventInfo {
  id: string;
  title: string;
  state: string;
  startsAt: string | null;
  endsAt: string | null;
}
interface NodeInfo {
  id: string;
  kind: string;
  state: string;
  capacity: number;
  lastHeartbeatAt: string | null;
  load: { rooms: number; cpuLoad: number; viewers: number } | null;
  watchdog: {
    state: 'ok' | 'degraded' | 'escalated';
    at: string;
    failing: { name: string; detail: string }[];
    actionsLastHour: number;
    lastAction: WatchdogAction | null;
    escalated: { target: string; reason: string; since: string }[];
  } | null;
}
interface Account {
  id: string;
  email: string;
  role: string;
  disabled: boolean;
}

const keyShownOnce = (roomId: string, key: NewKey) =>
  [
    `stream key for room ${roomId} (shown only now; store it in the collector's config):`,
    '',
    `  ${key.key}`,
    '',
    `key id ${key.info.id} (${key.info.hint})`,
  ].join('\n');

// ENCODER is the pin; blank (not '-') where the edge places the room by load, so a table of
// unpinned rooms reads as before.
const roomTable = (rooms: Room[]) =>
  table(
    ['ROOM', 'TITLE', 'EVENT', 'STATE', 'LADDER', 'ENCODER'],
    rooms.map((
      r,
    ) => [
      r.id,
      r.title,
      r.eventId,
      r.state,
      r.ladder ? `${r.ladder.length} renditions` : 'default',
      r.encoderNodeId ?? '',
    ]),
  );

/** `--encoder NODE-ID` pins a room to an encoder node; `--encoder assign` unpins it. */
const ENCODER_OPTION = {
  type: 'string',
  valueName: 'NODE-ID',
  description: "encoder node to pin the room to; 'assign' lets the edge place it by load",
} as const;

const encoderPin = (value: string | boolean | undefined) =>
  value === undefined ? {} : { encoderNodeId: value === 'assign' ? null : value };

/** Names in a table cell: the first few, so one sick box does not widen the whole table. */
const someNames = (names: string[], max = 3) =>
  names.length > max
    ? `${names.slice(0, max).join(', ')} +${names.length - max} more`
    : names.join(', ');

/** `ok`, `degraded (agent, room:demo)` naming the failing checks, `ESCALATED (room:demo)`. */
export function watchdogCell(watchdog: NodeInfo['watchdog']): string | null {
  if (!watchdog) return null;
  const [label, names] = watchdog.state === 'escalated'
    ? ['ESCALATED', watchdog.escalated.map((e) => e.target)]
    : [watchdog.state, watchdog.failing.map((check) => check.name)];
  return names.length ? `${label} (${someNames(names)})` : label;
}

export const nodeTable = (nodes: NodeInfo[]) =>
  table(
    ['NODE', 'KIND', 'STATE', 'ROOMS', 'CAPACITY', 'CPU', 'VIEWERS', 'LAST HEARTBEAT', 'WATCHDOG'],
    nodes.map((n) => [
      n.id,
      n.kind,
      n.state,
      n.load?.rooms ?? null,
      n.capacity,
      n.load ? `${Math.round(n.load.cpuLoad * 100)}%` : null,
      n.load?.viewers ?? null,
      n.lastHeartbeatAt,
      watchdogCell(n.watchdog),
    ]),
  );

export const operatorCommands: Command[] = [
  {
    name: 'login',
    summary:
      'Log in to an edge and save the token for this user (~/.config/roomcast/credentials.json, mode 0600).',
    options: {
      email: { type: 'string', valueName: 'EMAIL', description: 'account email (required)' },
    },
    details:
      'The password is read from stdin (piped) or a prompt without echo; never from the command line.',
    async run(ctx) {
      const email = ctx.options.email;
      if (typeof email !== 'string') throw new CliError('--email is required', 2);
      const config = await ctx.config();
      const url = ((ctx.options.edge as string | undefined) || process.env.ROOMCAST_EDGE_URL ||
        config.edge.publicUrl).replace(/\/+$/, '');
      const password = await readSecret(`password for ${email}: `);
      const client = createEdgeClient({ url, token: null });
      const result = await client.request<
        { token: string; expiresAt: string | null; account: Account }
      >('POST', '/auth/login', { email, password });
      const credentials = { ...(await readCredentials()), [url]: result.token };
      const path = credentialsPath();
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFile(path, JSON.stringify(credentials, null, 2), { mode: 0o600 });
      ctx.out.result(
        { edge: url, account: result.account, expiresAt: result.expiresAt },
        () =>
          `logged in to ${url} as ${result.account.email} (${result.account.role}); token saved in ${path}`,
      );
    },
  },
  {
    name: 'room create',
    summary: 'Create a room; prints its stream key once.',
    usage: 'ROOM',
    arity: 1,
    options: {
      title: {
        type: 'string',
        valueName: 'TITLE',
        description: 'title viewers see (default: the room id)',
      },
      event: { type: 'string', valueName: 'EVENT', description: 'event the room belongs to' },
      encoder: ENCODER_OPTION,
      'no-key': { type: 'boolean', description: 'do not create a stream key yet' },
    },
    async run(ctx) {
      const [id] = ctx.args;
      const edge = await ctx.edge();
      const created = await edge.request<{ room: Room; streamKey: NewKey | null }>(
        'POST',
        '/rooms',
        {
          id,
          ...(ctx.options.title ? { title: ctx.options.title } : {}),
          ...(ctx.options.event ? { eventId: ctx.options.event } : {}),
          ...encoderPin(ctx.options.encoder),
          ...(ctx.options['no-key'] ? { withKey: false } : {}),
        },
      );
      ctx.out.result(
        created,
        () =>
          [
            `created room ${created.room.id} ("${created.room.title}")`,
            ...(created.streamKey ? ['', keyShownOnce(created.room.id, created.streamKey)] : []),
          ].join('\n'),
      );
    },
  },
  {
    name: 'room update',
    summary: "Change a room's title or event, or pin it to an encoder.",
    usage: 'ROOM',
    arity: 1,
    options: {
      title: { type: 'string', valueName: 'TITLE', description: 'title viewers see' },
      event: { type: 'string', valueName: 'EVENT', description: 'event the room belongs to' },
      encoder: ENCODER_OPTION,
    },
    details: 'A pin applies from the next placement: a room that is live stays on its encoder.',
    async run(ctx) {
      const patch = {
        ...(typeof ctx.options.title === 'string' ? { title: ctx.options.title } : {}),
        ...(typeof ctx.options.event === 'string' ? { eventId: ctx.options.event } : {}),
        ...encoderPin(ctx.options.encoder),
      };
      if (!Object.keys(patch).length) {
        throw new CliError('nothing to change: give --title, --event or --encoder', 2);
      }
      const room = await (await ctx.edge()).request<Room>(
        'PATCH',
        `/rooms/${encodeURIComponent(ctx.args[0]!)}`,
        patch,
      );
      ctx.out.result(room, () => roomTable([room]));
    },
  },
  {
    name: 'room list',
    summary: 'List rooms.',
    options: {
      event: { type: 'string', valueName: 'EVENT', description: 'only rooms of this event' },
    },
    async run(ctx) {
      const query = ctx.options.event
        ? `?event=${encodeURIComponent(String(ctx.options.event))}`
        : '';
      const { rooms } = await (await ctx.edge()).request<{ rooms: Room[] }>(
        'GET',
        `/rooms${query}`,
      );
      ctx.out.result({ rooms }, () => roomTable(rooms));
    },
  },
  {
    name: 'room show',
    summary: 'Show one room.',
    usage: 'ROOM',
    arity: 1,
    async run(ctx) {
      const room = await (await ctx.edge()).request<Room>(
        'GET',
        `/rooms/${encodeURIComponent(ctx.args[0]!)}`,
      );
      ctx.out.result(room, () => roomTable([room]));
    },
  },
  {
    name: 'room delete',
    summary: 'Delete a room that is not live.',
    usage: 'ROOM',
    arity: 1,
    async run(ctx) {
      await (await ctx.edge()).request('DELETE', `/rooms/${encodeURIComponent(ctx.args[0]!)}`);
      ctx.out.result({ deleted: ctx.args[0] }, () => `deleted room ${ctx.args[0]}`);
    },
  },
  {
    name: 'key list',
    summary: "List a room's stream keys (hints only; keys are never shown again).",
    usage: 'ROOM',
    arity: 1,
    async run(ctx) {
      const { keys } = await (await ctx.edge()).request<{ keys: KeyInfo[] }>(
        'GET',
        `/rooms/${encodeURIComponent(ctx.args[0]!)}/keys`,
      );
      ctx.out.result(
        { keys },
        () =>
          table(
            ['KEY ID', 'HINT', 'CREATED', 'LAST USED', 'REVOKED'],
            keys.map((k) => [k.id, k.hint, k.createdAt, k.lastUsedAt, k.revokedAt]),
          ),
      );
    },
  },
  {
    name: 'key create',
    summary: 'Add a stream key to a room (e.g. for a backup collector); prints it once.',
    usage: 'ROOM',
    arity: 1,
    async run(ctx) {
      const key = await (await ctx.edge()).request<NewKey>(
        'POST',
        `/rooms/${encodeURIComponent(ctx.args[0]!)}/keys`,
      );
      ctx.out.result(key, () => keyShownOnce(ctx.args[0]!, key));
    },
  },
  {
    name: 'key rotate',
    summary:
      'Revoke every stream key of a room and create a new one; a live publish with an old key is cut off.',
    usage: 'ROOM',
    arity: 1,
    async run(ctx) {
      const key = await (await ctx.edge()).request<NewKey>(
        'POST',
        `/rooms/${encodeURIComponent(ctx.args[0]!)}/keys/rotate`,
      );
      ctx.out.result(
        key,
        () => `revoked ${key.revoked ?? 0} key(s)\n\n${keyShownOnce(ctx.args[0]!, key)}`,
      );
    },
  },
  {
    name: 'key revoke',
    summary: 'Revoke one stream key; a live publish with it is cut off.',
    usage: 'ROOM KEY-ID',
    arity: 2,
    async run(ctx) {
      const [room, keyId] = ctx.args as [string, string];
      await (await ctx.edge()).request(
        'DELETE',
        `/rooms/${encodeURIComponent(room)}/keys/${encodeURIComponent(keyId)}`,
      );
      ctx.out.result({ revoked: keyId }, () => `revoked key ${keyId} of room ${room}`);
    },
  },
  {
    name: 'event create',
    summary: 'Create an event.',
    usage: 'EVENT',
    arity: 1,
    options: {
      title: { type: 'string', valueName: 'TITLE', description: 'event title (required)' },
      starts: {
        type: 'string',
        valueName: 'ISO-TIME',
        description: 'start, e.g. 2026-06-01T09:00:00Z',
      },
      ends: { type: 'string', valueName: 'ISO-TIME', description: 'end' },
    },
    async run(ctx) {
      if (typeof ctx.options.title !== 'string') throw new CliError('--title is required', 2);
      const event = await (await ctx.edge()).request<EventInfo>('POST', '/events', {
        id: ctx.args[0],
        title: ctx.options.title,
        ...(ctx.options.starts ? { startsAt: ctx.options.starts } : {}),
        ...(ctx.options.ends ? { endsAt: ctx.options.ends } : {}),
      });
      ctx.out.result(event, () => `created event ${event.id} ("${event.title}")`);
    },
  },
  {
    name: 'event list',
    summary: 'List events.',
    async run(ctx) {
      const { events } = await (await ctx.edge()).request<{ events: EventInfo[] }>(
        'GET',
        '/events',
      );
      ctx.out.result(
        { events },
        () =>
          table(
            ['EVENT', 'TITLE', 'STATE', 'STARTS', 'ENDS'],
            events.map((e) => [e.id, e.title, e.state, e.startsAt, e.endsAt]),
          ),
      );
    },
  },
  {
    name: 'event set-state',
    summary: 'Mark an event scheduled, live or ended (ended refuses new publishes).',
    usage: 'EVENT STATE',
    arity: 2,
    async run(ctx) {
      const [id, state] = ctx.args as [string, string];
      const event = await (await ctx.edge()).request<EventInfo>(
        'PATCH',
        `/events/${encodeURIComponent(id)}`,
        { state },
      );
      ctx.out.result(event, () => `event ${event.id} is now ${event.state}`);
    },
  },
  {
    name: 'node add',
    summary: "Add an encoder or collector node; prints the node's secret once.",
    usage: 'NODE-ID',
    arity: 1,
    options: {
      kind: { type: 'string', valueName: 'KIND', description: 'encoder or collector (required)' },
    },
    async run(ctx) {
      if (ctx.options.kind !== 'encoder' && ctx.options.kind !== 'collector') {
        throw new CliError('--kind must be encoder or collector', 2);
      }
      const added = await (await ctx.edge()).request<{ node: NodeInfo; secret: string }>(
        'POST',
        '/nodes',
        { id: ctx.args[0], kind: ctx.options.kind },
      );
      ctx.out.result(
        added,
        () =>
          `added ${added.node.kind} ${added.node.id}; its secret (shown only now; put it in the node's config as ${added.node.kind}.nodeSecret or ROOMCAST_${added.node.kind.toUpperCase()}_NODE_SECRET):\n\n  ${added.secret}`,
      );
    },
  },
  {
    name: 'node list',
    summary: 'Encoders and collectors with their health, load and watchdog.',
    details:
      "WATCHDOG: ok; degraded (the failing checks; the box's watchdog is on them); ESCALATED (what it stopped restarting: a person is needed); - when no watchdog reported lately.",
    async run(ctx) {
      const { nodes } = await (await ctx.edge()).request<{ nodes: NodeInfo[] }>('GET', '/nodes');
      ctx.out.result({ nodes }, () => nodeTable(nodes));
    },
  },
  {
    name: 'node rotate-secret',
    summary: 'Give a node a new secret; the old one stops working at once.',
    usage: 'NODE-ID',
    arity: 1,
    async run(ctx) {
      const rotated = await (await ctx.edge()).request<{ node: NodeInfo; secret: string }>(
        'POST',
        `/nodes/${encodeURIComponent(ctx.args[0]!)}/rotate-secret`,
      );
      ctx.out.result(
        rotated,
        () => `new secret for ${rotated.node.id} (shown only now):\n\n  ${rotated.secret}`,
      );
    },
  },
  {
    name: 'node remove',
    summary: 'Remove a node from the registry.',
    usage: 'NODE-ID',
    arity: 1,
    async run(ctx) {
      await (await ctx.edge()).request('DELETE', `/nodes/${encodeURIComponent(ctx.args[0]!)}`);
      ctx.out.result({ removed: ctx.args[0] }, () => `removed node ${ctx.args[0]}`);
    },
  },
  {
    name: 'account create',
    summary:
      'Create an account (admins only). With --password-stdin the password is read from stdin.',
    usage: 'EMAIL',
    arity: 1,
    options: {
      role: {
        type: 'string',
        valueName: 'ROLE',
        description: 'admin, operator, moderator (chat), streamer (own rooms) or viewer (required)',
      },
      name: { type: 'string', valueName: 'NAME', description: 'display name' },
      'password-stdin': {
        type: 'boolean',
        description: 'read a password from stdin (else a token-only account)',
      },
    },
    async run(ctx) {
      if (typeof ctx.options.role !== 'string') throw new CliError('--role is required', 2);
      const password = ctx.options['password-stdin'] ? await readSecret('password: ') : undefined;
      const account = await (await ctx.edge()).request<Account>('POST', '/accounts', {
        email: ctx.args[0],
        role: ctx.options.role,
        ...(ctx.options.name ? { name: ctx.options.name } : {}),
        ...(password ? { password } : {}),
      });
      ctx.out.result(account, () => `created ${account.role} account ${account.email}`);
    },
  },
  {
    name: 'account list',
    summary: 'List accounts (admins only).',
    async run(ctx) {
      const { accounts } = await (await ctx.edge()).request<{ accounts: Account[] }>(
        'GET',
        '/accounts',
      );
      ctx.out.result(
        { accounts },
        () =>
          table(
            ['EMAIL', 'ROLE', 'DISABLED'],
            accounts.map((a) => [a.email, a.role, a.disabled ? 'yes' : 'no']),
          ),
      );
    },
  },
];
