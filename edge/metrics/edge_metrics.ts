// The edge's Prometheus metrics: what happens (hooks timed and refused, chat messages, HTTP
// answers) is counted as it happens; what is (rooms by state, viewers, nodes) is read from
// the database and the live store at each scrape, so every edge instance reports the same
// fleet. One set per EdgeDeps: tests that build several edges count separately.
import type { NodeKind } from '../../core/wire/contracts.ts';
import {
  type Counter,
  createMetricsRegistry,
  type Histogram,
  type MetricsRegistry,
} from '../../core/metrics/registry.ts';
import type { EdgeDeps } from '../deps.ts';
import { listNodes, type NodeInfo } from '../services/registry.ts';
import { listPublicRooms, type PublicRoomState } from '../services/viewing.ts';

/** The box-to-edge requests whose answer a box waits for. */
export const TIMED_HOOKS = ['publish', 'update', 'publish_done', 'play', 'heartbeat'] as const;
export type TimedHook = (typeof TIMED_HOOKS)[number];

export type ChatChannelKind = 'room' | 'crew';

const ROOM_STATES: readonly PublicRoomState[] = ['live', 'backSoon', 'offline', 'ended'];
const NODE_KINDS: readonly NodeKind[] = ['encoder', 'collector'];
const NODE_STATES: readonly NodeInfo['state'][] = ['up', 'down', 'new'];
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
const CHANNEL_KINDS: readonly ChatChannelKind[] = ['room', 'crew'];

/** Box hooks mostly take milliseconds; the top buckets catch a slow database. */
const HOOK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface EdgeMetrics {
  /** Scraped with the edge's deps: the scrape-time readings query them. */
  registry: MetricsRegistry<EdgeDeps>;
  hookDuration: Histogram<'hook'>;
  hookRefusals: Counter<'hook'>;
  chatMessages: Counter<'channel'>;
  chatRefusals: Counter<'channel' | 'reason'>;
  httpRequests: Counter<'status_class'>;
}

/** `2xx` for 204: the class of an HTTP status. */
export function statusClass(status: number): (typeof STATUS_CLASSES)[number] {
  return STATUS_CLASSES[Math.min(4, Math.max(0, Math.floor(status / 100) - 1))]!;
}

export function createEdgeMetrics(softwareVersion: string): EdgeMetrics {
  const registry = createMetricsRegistry<EdgeDeps>();
  registry.gauge({
    name: 'roomcast_edge_build_info',
    help: 'Always 1; the software version is the label.',
    labelNames: ['version'],
  }).set({ version: softwareVersion }, 1);

  // Rooms and viewers come from one listing per scrape (it asks the store about each room).
  registry.gauge({
    name: 'roomcast_edge_rooms',
    help: 'Rooms by state: live, backSoon (publisher dropped, waited for), offline, ended.',
    labelNames: ['state'],
    series: ROOM_STATES.map((state) => ({ state })),
    async collect(gauge, deps) {
      viewers.reset();
      for (const room of await listPublicRooms(deps, {})) {
        gauge.inc({ state: room.state });
        viewers.set({ room: room.id }, room.viewers);
      }
    },
  });
  const viewers = registry.gauge({
    name: 'roomcast_edge_viewers',
    help: "Viewers of each room, from its encoder's last heartbeat (0 unless live).",
    labelNames: ['room'],
  });
  registry.gauge({
    name: 'roomcast_edge_nodes',
    help: 'Registered nodes by kind and state (up: heartbeats arrive; new: never registered).',
    labelNames: ['kind', 'state'],
    series: NODE_KINDS.flatMap((kind) => NODE_STATES.map((state) => ({ kind, state }))),
    async collect(gauge, deps) {
      for (const node of await listNodes(deps)) gauge.inc({ kind: node.kind, state: node.state });
    },
  });

  const hooks = TIMED_HOOKS.map((hook) => ({ hook }));
  const channels = CHANNEL_KINDS.map((channel) => ({ channel }));
  return {
    registry,
    hookDuration: registry.histogram({
      name: 'roomcast_edge_hook_duration_seconds',
      help: "Time to answer a box's hook or heartbeat, signature check included.",
      labelNames: ['hook'],
      buckets: HOOK_BUCKETS,
      series: hooks,
    }),
    hookRefusals: registry.counter({
      name: 'roomcast_edge_hook_refusals_total',
      help: 'Hooks answered no: publish or play refused, update cut off, or the request ' +
        'itself refused (4xx: bad signature, malformed body).',
      labelNames: ['hook'],
      series: hooks,
    }),
    chatMessages: registry.counter({
      name: 'roomcast_edge_chat_messages_total',
      help: "Chat messages accepted, by channel kind (room: viewers; crew: an event's crew).",
      labelNames: ['channel'],
      series: channels,
    }),
    chatRefusals: registry.counter({
      name: 'roomcast_edge_chat_refusals_total',
      help: 'Chat messages refused, by channel kind and reason (slow_mode, banned, …).',
      labelNames: ['channel', 'reason'],
    }),
    httpRequests: registry.counter({
      name: 'roomcast_edge_http_requests_total',
      help: 'HTTP requests answered, by status class.',
      labelNames: ['status_class'],
      series: STATUS_CLASSES.map((status_class) => ({ status_class })),
    }),
  };
}
