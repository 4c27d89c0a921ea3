// What the control room asks the edge, same origin, signed in by the page cookie: the
// snapshot (first, to learn whether this person may see it), its live stream, and the
// actions. Types come from the edge's route schemas, so a changed API fails type-checking.
import type { z } from 'zod';
import type {
  alertSchema,
  controlRoomSchema,
  moveResultSchema,
  roomTileSchema,
} from '../../../edge/routes/control_schemas.ts';

export type ControlRoom = z.infer<typeof controlRoomSchema>;
export type RoomTile = z.infer<typeof roomTileSchema>;
export type Alert = z.infer<typeof alertSchema>;
export type NodeInfo = ControlRoom['nodes'][number];
export type MoveResult = z.infer<typeof moveResultSchema>;

/** A refusal in the edge's words, with its status (401: sign in; 403: wrong role). */
export class ControlError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ControlError';
    this.status = status;
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ControlError(0, 'the edge cannot be reached; check the connection and retry');
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const message = answer?.error?.message;
    throw new ControlError(
      response.status,
      typeof message === 'string' ? message : `refused (${response.status})`,
    );
  }
  return answer as T;
}

const query = (eventId: string | null) => (eventId ? `?event=${encodeURIComponent(eventId)}` : '');

export const loadControlRoom = (eventId: string | null) =>
  call<ControlRoom>('GET', `/api/v1/control${query(eventId)}`);

/** Snapshots as they change; `onState` says whether the stream is connected. */
export function streamControlRoom(
  eventId: string | null,
  onSnapshot: (snapshot: ControlRoom) => void,
  onState: (connected: boolean) => void,
): () => void {
  const source = new EventSource(`/api/v1/control/stream${query(eventId)}`);
  source.addEventListener('snapshot', (event) => {
    onState(true);
    onSnapshot(JSON.parse((event as MessageEvent<string>).data) as ControlRoom);
  });
  source.addEventListener('open', () => onState(true));
  source.addEventListener('error', () => onState(false));
  return () => source.close();
}

const room = (id: string) => `/api/v1/rooms/${encodeURIComponent(id)}`;

export const restartPipeline = (roomId: string) =>
  call<{ room: string; encoderNodeId: string }>('POST', `${room(roomId)}/pipeline/restart`);
export const moveRoom = (roomId: string, encoderNodeId: string) =>
  call<MoveResult>('POST', `${room(roomId)}/move`, { encoderNodeId });
export const endSession = (roomId: string) =>
  call<{ room: string; sessionId: string }>('POST', `${room(roomId)}/session/end`);
export const rotateKey = (roomId: string) =>
  call<{ key: string; info: { hint: string }; revoked: number }>(
    'POST',
    `${room(roomId)}/keys/rotate`,
  );
export const acknowledge = (alertId: string) =>
  call<Alert>('POST', `/api/v1/alerts/${encodeURIComponent(alertId)}/ack`);
