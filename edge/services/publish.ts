// Publish and play authorisation, called by encoder nodes when nginx-rtmp fires a hook.
// The stream key only authorises: the answer names the room, and the room id is the only
// name the stream has from then on. One live session per room; a new publish with a valid
// key takes over the old one (after a silent uplink freeze nginx-rtmp keeps a ghost
// session for minutes, and the crew's reconnect must win).
import { and, eq, isNull } from 'drizzle-orm';
import type {
  PlayDecision,
  PlayRequest,
  PublishDecision,
  PublishDoneRequest,
  PublishRequest,
  UpdateDecision,
  UpdateRequest,
} from '../../core/wire/contracts.ts';
import { WIRE_VERSION } from '../../core/wire/contracts.ts';
import { playbackSecretFor, verifyPlaybackToken } from '../../core/wire/playback_token.ts';
import { events, publishSessions, rooms, type SessionEndReason, streamKeys } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { newId } from '../auth/secrets.ts';
import { liveKeys } from '../live_keys.ts';
import { lookupStreamKey, sessionKeyIsValid } from './stream_keys.ts';
import { type findNode, nodeSecret } from './registry.ts';
import { getRoom } from './rooms.ts';
import { roomStatus } from './viewing.ts';
import {
  type BilledRoom,
  mayStartPublish,
  meterPublish,
  type PublishVerdict,
} from '../billing/metering.ts';

type NodeRow = NonNullable<Awaited<ReturnType<typeof findNode>>>;
type SessionRow = typeof publishSessions.$inferSelect;

const refuse = (reason: string): PublishDecision => ({
  v: WIRE_VERSION,
  decision: 'refuse',
  reason,
});

export async function authorizePublish(
  deps: EdgeDeps,
  node: NodeRow,
  request: PublishRequest,
): Promise<PublishDecision> {
  const log = deps.log.child({ node: node.id });
  const { maxFailuresPerWindow, windowSeconds } = deps.settings.publishAuth;
  const failuresKey = liveKeys.publishFailures(request.addr);
  const failures = Number(await deps.store.get(failuresKey) ?? 0);
  if (failures >= maxFailuresPerWindow) {
    log.warn('publish refused: too many bad stream keys from this address', { addr: request.addr });
    return refuse(`too many failed attempts from ${request.addr}; wait ${windowSeconds} s`);
  }

  const lookup = await lookupStreamKey(deps, request.streamKey);
  if (!lookup.found) {
    await deps.store.incrWithin(failuresKey, windowSeconds * 1000);
    log.warn(`publish refused: ${lookup.reason} stream key`, {
      addr: request.addr,
      client: request.clientId,
    });
    return refuse(lookup.reason === 'revoked' ? 'stream key was revoked' : 'unknown stream key');
  }
  const { room, keyId } = lookup;
  if (room.eventId) {
    const event = (await deps.db.select({ state: events.state }).from(events).where(
      eq(events.id, room.eventId),
    ))[0];
    if (event?.state === 'ended') return refuse(`event '${room.eventId}' is over`);
  }

  const now = deps.now();
  const existing = await openSession(deps, room.id);
  // A retried hook for the same connection: answer the same, never take over ourselves.
  if (existing && existing.nodeId === node.id && existing.clientId === request.clientId) {
    return {
      v: WIRE_VERSION,
      decision: 'allow',
      sessionId: existing.id,
      room: room.id,
      ladder: room.ladder,
      takeover: null,
      reconnectWindowSeconds: deps.settings.reconnectWindowSeconds,
    };
  }
  const unpaid = await billingRefusal(deps, room);
  if (unpaid) {
    log.warn('publish refused by billing', { room: room.id, reason: unpaid });
    return refuse(unpaid);
  }
  if (existing) await endSession(deps, existing.id, 'takenOver');

  const sessionId = newId();
  try {
    await deps.db.insert(publishSessions).values({
      id: sessionId,
      roomId: room.id,
      streamKeyId: keyId,
      nodeId: node.id,
      clientId: request.clientId,
      addr: request.addr,
      startedAt: now,
      lastSeenAt: now,
      endedAt: null,
      endReason: null,
    });
  } catch {
    // The one-live-session-per-room index refused us: another publish for this room won
    // the race a moment ago. Refusing is safe; the publisher reconnects.
    return refuse('another publish for this room started at the same moment; retry');
  }
  await deps.db.update(streamKeys).set({ lastUsedAt: now }).where(eq(streamKeys.id, keyId));
  await deps.db.update(rooms).set({ state: 'live', updatedAt: now }).where(eq(rooms.id, room.id));
  await deps.store.set(liveKeys.assignment(room.id), node.id, { ttlMs: 30 * 60_000 });

  const takeover = existing ? { nodeId: existing.nodeId, clientId: existing.clientId } : null;
  if (takeover) {
    log.warn('publish takes over the room from a previous session', {
      room: room.id,
      previousNode: takeover.nodeId,
      previousClient: takeover.clientId,
      previousSeenSecondsAgo: Math.round((now - existing!.lastSeenAt) / 1000),
    });
  } else {
    log.info('publish allowed', { room: room.id, client: request.clientId });
  }
  return {
    v: WIRE_VERSION,
    decision: 'allow',
    sessionId,
    room: room.id,
    ladder: room.ladder,
    takeover,
    reconnectWindowSeconds: deps.settings.reconnectWindowSeconds,
  };
}

async function openSession(deps: EdgeDeps, roomId: string): Promise<SessionRow | null> {
  const rows = await deps.db.select().from(publishSessions)
    .where(and(eq(publishSessions.roomId, roomId), isNull(publishSessions.endedAt)));
  return rows[0] ?? null;
}

async function findSession(deps: EdgeDeps, sessionId: string): Promise<SessionRow | null> {
  return (await deps.db.select().from(publishSessions).where(eq(publishSessions.id, sessionId)))[
    0
  ] ?? null;
}

/**
 * Why billing refuses a new publish of the room, or null. When the ledger cannot be read,
 * edge.billing.whenDown.newPublish decides (fail closed by default).
 */
async function billingRefusal(deps: EdgeDeps, room: BilledRoom): Promise<string | null> {
  try {
    return await mayStartPublish(deps, room);
  } catch (error) {
    const refuseNew = deps.settings.billing.whenDown.newPublish === 'refuse';
    deps.log.error('billing unavailable at publish', {
      room: room.id,
      decision: refuseNew ? 'refuse' : 'allow',
      error: String((error as Error)?.message ?? error).slice(0, 200),
    });
    return refuseNew ? 'billing is unavailable right now; new streams start when it is back' : null;
  }
}

/**
 * Meters the session's minutes and says whether it may go on. When the ledger cannot be
 * written, edge.billing.whenDown.running decides (fail open by default: the minutes are
 * posted by the first update after it is back, their keys being the minutes themselves).
 */
async function billingVerdict(
  deps: EdgeDeps,
  session: SessionRow,
): Promise<PublishVerdict> {
  try {
    const room = await getRoom(deps, session.roomId);
    const reported = await roomStatus(deps, session.roomId);
    return await meterPublish(
      deps,
      session,
      room,
      reported?.sessionId === session.id ? reported.renditions.length : null,
    );
  } catch (error) {
    const cutOff = deps.settings.billing.whenDown.running === 'cutOff';
    deps.log.error('billing unavailable for a live publish', {
      room: session.roomId,
      decision: cutOff ? 'cutOff' : 'continue',
      error: String((error as Error)?.message ?? error).slice(0, 200),
    });
    return cutOff
      ? { cutOff: true, reason: 'billing is unavailable right now' }
      : { cutOff: false };
  }
}

export async function endSession(
  deps: EdgeDeps,
  sessionId: string,
  reason: SessionEndReason,
  detail: string | null = null,
): Promise<SessionRow | null> {
  const ended = await deps.db.update(publishSessions).set({
    endedAt: deps.now(),
    endReason: reason,
    endDetail: detail,
  })
    .where(and(eq(publishSessions.id, sessionId), isNull(publishSessions.endedAt)))
    .returning();
  const row = ended[0] ?? null;
  if (row && reason !== 'takenOver') {
    await deps.db.update(rooms).set({ state: 'offline', updatedAt: deps.now() }).where(
      eq(rooms.id, row.roomId),
    );
  }
  return row;
}

/**
 * nginx-rtmp's on_update, relayed. `continue` unless the edge itself ended the session:
 * taken over by a newer publish, its stream key revoked, or billing (out of credits past
 * the grace, or the plan's session limit reached).
 */
export async function handleUpdate(
  deps: EdgeDeps,
  node: NodeRow,
  request: UpdateRequest,
): Promise<UpdateDecision> {
  const session = await findSession(deps, request.sessionId);
  if (
    !session || session.nodeId !== node.id || session.clientId !== request.clientId ||
    session.roomId !== request.room
  ) {
    return { v: WIRE_VERSION, decision: 'cutOff', reason: 'no such publish session on this node' };
  }
  if (session.endedAt !== null) {
    const why = session.endDetail ?? `session ended (${session.endReason})`;
    return { v: WIRE_VERSION, decision: 'cutOff', reason: why };
  }
  if (!(await sessionKeyIsValid(deps, session.id))) {
    await endSession(deps, session.id, 'keyRevoked');
    deps.log.warn('live publish cut off: its stream key was revoked', {
      room: session.roomId,
      node: node.id,
    });
    return { v: WIRE_VERSION, decision: 'cutOff', reason: 'stream key was revoked' };
  }
  await deps.db.update(publishSessions).set({ lastSeenAt: deps.now() }).where(
    eq(publishSessions.id, session.id),
  );
  const verdict = await billingVerdict(deps, session);
  if (verdict.cutOff) {
    await endSession(deps, session.id, 'cutOff', verdict.reason);
    deps.log.warn('live publish cut off by billing', {
      room: session.roomId,
      node: node.id,
      reason: verdict.reason,
    });
    return { v: WIRE_VERSION, decision: 'cutOff', reason: verdict.reason };
  }
  return { v: WIRE_VERSION, decision: 'continue' };
}

export async function handlePublishDone(
  deps: EdgeDeps,
  node: NodeRow,
  request: PublishDoneRequest,
): Promise<void> {
  const session = await findSession(deps, request.sessionId);
  if (!session || session.nodeId !== node.id || session.clientId !== request.clientId) return;
  if (await endSession(deps, session.id, 'done')) {
    deps.log.info('publish ended', { room: session.roomId, node: node.id });
  }
}

/** RTMP play (not HLS): needs a valid playback token for the room, like nginx checks for HLS. */
export async function authorizePlay(
  deps: EdgeDeps,
  node: NodeRow,
  request: PlayRequest,
): Promise<PlayDecision> {
  if (!request.token) {
    return { v: WIRE_VERSION, decision: 'refuse', reason: 'a playback token is required' };
  }
  const secret = await playbackSecretFor(await nodeSecret(deps, node));
  const check = verifyPlaybackToken(
    secret,
    request.room,
    request.token,
    Math.floor(deps.now() / 1000),
  );
  if (!check.ok) {
    return { v: WIRE_VERSION, decision: 'refuse', reason: `playback token ${check.reason}` };
  }
  if (!(await openSession(deps, request.room))) {
    return { v: WIRE_VERSION, decision: 'refuse', reason: 'room is not live' };
  }
  return { v: WIRE_VERSION, decision: 'allow' };
}

export { findSession, openSession };
