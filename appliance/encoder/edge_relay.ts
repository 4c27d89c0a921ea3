// The agent's side of the hook relay. Publish is asked of the edge synchronously (only the
// edge knows keys). Updates and publish-done are queued and sent in the background with
// retries: nginx-rtmp's on_update is a kill switch, so nginx is answered from local state
// at once and an edge that is down, slow or failing for minutes never drops a live room.
// Only an explicit `cutOff` answer from the edge ends a session.
import {
  type PublishDecision,
  publishDecisionSchema,
  type PublishRequest,
  updateDecisionSchema,
  WIRE_VERSION,
} from '../../core/wire/contracts.ts';
import { EdgeRequestError, type NodeClient } from '../../core/wire/node_client.ts';
import { z } from 'zod';
import type { Logger } from '../../core/log.ts';

/** A publish session as the relay reports it (core/wire's SessionRef is the edge's node + client pair). */
export interface RelayedSession {
  clientId: string;
  sessionId: string;
  room: string;
}

export interface EdgeRelayOptions {
  client: Pick<NodeClient, 'post'>;
  nodeId: string;
  log: Logger;
  /** Called when the edge answers an update with `cutOff`. */
  onCutOff(session: RelayedSession, reason: string): void;
  /** First retry delay; doubles up to `maxRetryMs`. */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** Injectable timer for tests. */
  sleep?: (ms: number) => Promise<void>;
}

type Job =
  | { kind: 'update'; session: RelayedSession; time: number; bytesIn?: number }
  | { kind: 'publishDone'; session: RelayedSession };

export type PublishAnswer =
  | { outcome: 'decided'; decision: PublishDecision }
  | { outcome: 'unreachable'; reason: string };

const okSchema = z.object({}).passthrough();

export interface EdgeRelay {
  publish(request: Omit<PublishRequest, 'v' | 'nodeId'>): Promise<PublishAnswer>;
  /** Queues the latest on_update of a session; an older queued one is replaced. */
  update(session: RelayedSession, time: number, bytesIn?: number): void;
  /** Queues the end of a session; any queued update of it is dropped. */
  publishDone(session: RelayedSession): void;
  /** Jobs waiting for the edge (0 when it has caught up). */
  pending(): number;
  /** Resolves once the queue is empty (or `stop()` was called). */
  drained(): Promise<void>;
  stop(): void;
}

/** A failure worth retrying: the edge unreachable, timing out or answering 5xx/429. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof EdgeRequestError) return error.status >= 500 || error.status === 429;
  return true;
}

export function createEdgeRelay(options: EdgeRelayOptions): EdgeRelay {
  const { client, nodeId, log } = options;
  const minRetryMs = options.minRetryMs ?? 500;
  const maxRetryMs = options.maxRetryMs ?? 10_000;
  const sleep = options.sleep ??
    ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()));
  const queue: Job[] = [];
  let running = false;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];
  let outageSince: number | null = null;

  const send = async (job: Job): Promise<void> => {
    const { session } = job;
    if (job.kind === 'publishDone') {
      await client.post('/node/hooks/publish-done', {
        v: WIRE_VERSION,
        nodeId,
        clientId: session.clientId,
        sessionId: session.sessionId,
        room: session.room,
      }, okSchema);
      return;
    }
    const decision = await client.post('/node/hooks/update', {
      v: WIRE_VERSION,
      nodeId,
      clientId: session.clientId,
      sessionId: session.sessionId,
      room: session.room,
      time: job.time,
      ...(job.bytesIn === undefined ? {} : { bytesIn: job.bytesIn }),
    }, updateDecisionSchema);
    if (decision.decision === 'cutOff') {
      options.onCutOff(session, decision.reason ?? 'the edge cut the session off');
    }
  };

  const run = async () => {
    if (running) return;
    running = true;
    let delay = minRetryMs;
    while (queue.length && !stopped) {
      const job = queue[0]!;
      try {
        await send(job);
        if (outageSince !== null) {
          log.info('edge reachable again; relayed hooks are catching up', {
            downSeconds: Math.round((Date.now() - outageSince) / 1000),
            queued: queue.length,
          });
          outageSince = null;
        }
        delay = minRetryMs;
      } catch (error) {
        if (isRetryable(error)) {
          if (outageSince === null) {
            outageSince = Date.now();
            log.warn('edge unreachable; hooks are queued and live rooms keep going', {
              reason: (error as Error).message,
            });
          }
          await sleep(delay);
          delay = Math.min(delay * 2, maxRetryMs);
          continue; // retry the same job: order per session matters (update before done)
        }
        log.warn(`edge refused a relayed ${job.kind} hook; dropping it`, {
          room: job.session.room,
          reason: (error as Error).message,
        });
      }
      if (queue[0] === job) queue.shift();
    }
    running = false;
    if (!queue.length || stopped) {
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
    }
  };

  const enqueue = (job: Job) => {
    if (stopped) return;
    queue.push(job);
    void run();
  };

  return {
    async publish(request) {
      try {
        const decision = await client.post('/node/hooks/publish', {
          v: WIRE_VERSION,
          nodeId,
          ...request,
        }, publishDecisionSchema);
        return { outcome: 'decided', decision };
      } catch (error) {
        if (isRetryable(error)) return { outcome: 'unreachable', reason: (error as Error).message };
        // A 4xx is the edge's final word about this request (bad signature, unknown node).
        return {
          outcome: 'decided',
          decision: { v: WIRE_VERSION, decision: 'refuse', reason: (error as Error).message },
        };
      }
    },
    update(session, time, bytesIn) {
      // Keep only the newest update of a session, but never one already being sent.
      const index = queue.findIndex((job, i) =>
        i > 0 && job.kind === 'update' && job.session.clientId === session.clientId
      );
      if (index > 0) queue.splice(index, 1);
      enqueue({ kind: 'update', session, time, bytesIn });
    },
    publishDone(session) {
      for (let i = queue.length - 1; i > 0; i--) {
        const job = queue[i]!;
        if (job.kind === 'update' && job.session.clientId === session.clientId) queue.splice(i, 1);
      }
      enqueue({ kind: 'publishDone', session });
    },
    pending: () => queue.length,
    drained: () =>
      !queue.length || stopped ? Promise.resolve() : new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
      }),
    stop() {
      stopped = true;
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
    },
  };
}
