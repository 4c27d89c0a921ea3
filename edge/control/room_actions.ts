// What an operator can do to a room from the control room, beside rotating its key (the
// stream-key API): restart its ladder on the encoder, move it to another encoder, end its
// publish session. Each goes to the boxes the way the edge already talks to them: through
// the answers to their heartbeats and hooks, so nothing here needs to reach a box.
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';
import { endSession, openSession } from '../services/publish.ts';
import { findNode, isNodeUp, requestRestart } from '../services/registry.ts';
import { getRoom, updateRoom } from '../services/rooms.ts';

async function liveSessionOf(deps: EdgeDeps, roomId: string, action: string) {
  await getRoom(deps, roomId);
  const session = await openSession(deps, roomId);
  if (!session) throw new HttpError(409, `room '${roomId}' is not live: nothing to ${action}`);
  return session;
}

/** The encoder starts a fresh ffmpeg ladder for the room at its next heartbeat. */
export async function restartRoomPipeline(deps: EdgeDeps, roomId: string, by: string) {
  const session = await liveSessionOf(deps, roomId, 'restart');
  await requestRestart(deps, roomId);
  deps.log.info('operator restarts the ladder', { room: roomId, node: session.nodeId, by });
  return { room: roomId, encoderNodeId: session.nodeId };
}

/**
 * Pins the room to `encoderNodeId` and, when it is live elsewhere, ends the session there:
 * the publisher (a collector) reconnects, asks the edge where to push and is sent to the
 * pin. Viewers see the slate for the few seconds in between.
 */
export async function moveRoom(deps: EdgeDeps, roomId: string, encoderNodeId: string, by: string) {
  const node = await findNode(deps, encoderNodeId);
  if (!node || node.kind !== 'encoder') {
    throw new HttpError(404, `no encoder '${encoderNodeId}'`);
  }
  if (!(await isNodeUp(deps, encoderNodeId))) {
    throw new HttpError(
      409,
      `encoder '${encoderNodeId}' is not up; a room can only move to a live encoder`,
    );
  }
  await updateRoom(deps, roomId, { encoderNodeId });
  const session = await openSession(deps, roomId);
  const reconnecting = session !== null && session.nodeId !== encoderNodeId;
  if (reconnecting) {
    await endSession(deps, session.id, 'moved', `moved to encoder ${encoderNodeId} by ${by}`);
  }
  deps.log.info('operator moves the room', { room: roomId, encoder: encoderNodeId, by });
  return { room: roomId, encoderNodeId, reconnecting };
}

/**
 * Ends the room's publish: its encoder drops the publisher at its next heartbeat or hook.
 * A collector comes back by itself (it is meant to); to keep a publisher off, rotate the
 * room's stream key as well.
 */
export async function endRoomSession(deps: EdgeDeps, roomId: string, by: string) {
  const session = await liveSessionOf(deps, roomId, 'end');
  await endSession(deps, session.id, 'ended', `ended by ${by}`);
  deps.log.info('operator ends the session', { room: roomId, node: session.nodeId, by });
  return { room: roomId, sessionId: session.id };
}
