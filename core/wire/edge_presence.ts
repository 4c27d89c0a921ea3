// Registration and heartbeat of a box (encoder agent or collector): the node tells the edge it exists (where viewers and
// collectors reach it, how many rooms it carries) and then, every few seconds, how it is
// doing. The edge answers a heartbeat with the sessions to cut and the rooms whose event
// is over. An edge that is away is retried quietly; the node keeps working meanwhile.
import type { Logger } from '../log.ts';
import {
  type Heartbeat,
  type HeartbeatResponse,
  heartbeatResponseSchema,
  type RegisterRequest,
  registerResponseSchema,
  WIRE_VERSION,
} from './contracts.ts';
import { EdgeRequestError, type NodeClient } from './node_client.ts';

type NodeKind = Heartbeat['kind'];
/** What a node of this kind reports in each heartbeat (the envelope is added here). */
export type NodeStatus<K extends NodeKind> = Omit<
  Extract<Heartbeat, { kind: K }>,
  'v' | 'nodeId' | 'kind'
>;

export interface EdgePresenceOptions<K extends NodeKind> {
  client: Pick<NodeClient, 'post'>;
  nodeId: string;
  kind: K;
  registration: Omit<RegisterRequest, 'v' | 'nodeId' | 'kind'>;
  intervalSeconds: number;
  log: Logger;
  status(): NodeStatus<K>;
  onAnswer(answer: HeartbeatResponse): void;
}

export interface EdgePresence {
  /** Resolves after the first successful registration. */
  registered: Promise<void>;
  /** Time of the last heartbeat the edge accepted (ms), or null. */
  lastHeartbeatAt(): number | null;
  stop(): void;
}

export function startEdgePresence<K extends NodeKind>(
  options: EdgePresenceOptions<K>,
): EdgePresence {
  const { client, nodeId, log } = options;
  let stopped = false;
  let isRegistered = false;
  let lastHeartbeatAt: number | null = null;
  let failingSince: number | null = null;
  let intervalMs = options.intervalSeconds * 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let markRegistered!: () => void;
  const registered = new Promise<void>((resolve) => (markRegistered = resolve));

  const register = async () => {
    const answer = await client.post('/node/register', {
      v: WIRE_VERSION,
      nodeId,
      kind: options.kind,
      ...options.registration,
    }, registerResponseSchema);
    // Beat at least as often as the edge expects, or it counts us down.
    intervalMs = Math.min(options.intervalSeconds, answer.heartbeatIntervalSeconds) * 1000;
    isRegistered = true;
    log.info('registered with the edge', { heartbeatSeconds: intervalMs / 1000 });
    markRegistered();
  };

  const beat = async () => {
    const answer = await client.post('/node/heartbeat', {
      v: WIRE_VERSION,
      nodeId,
      kind: options.kind,
      ...options.status(),
    }, heartbeatResponseSchema);
    lastHeartbeatAt = Date.now();
    options.onAnswer(answer);
  };

  const tick = async () => {
    if (stopped) return;
    try {
      if (!isRegistered) await register();
      await beat();
      if (failingSince !== null) {
        log.info('edge heartbeat answered again', {
          afterSeconds: Math.round((Date.now() - failingSince) / 1000),
        });
        failingSince = null;
      }
    } catch (error) {
      // The edge forgot us (its database was reset, or it restarted without our row).
      if (error instanceof EdgeRequestError && error.status === 409) isRegistered = false;
      if (failingSince === null) {
        failingSince = Date.now();
        log.warn('edge did not take the heartbeat; retrying', {
          reason: (error as Error).message,
        });
      }
    }
    if (!stopped) timer = setTimeout(tick, isRegistered ? intervalMs : Math.min(intervalMs, 2000));
  };
  void tick();

  return {
    registered,
    lastHeartbeatAt: () => lastHeartbeatAt,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
