// The edge's public API as the pages use it (GET/POST /api/v1/public/…), same origin.

export type RoomState = 'live' | 'backSoon' | 'offline' | 'ended';

export interface PublicRoom {
  id: string;
  title: string;
  eventId: string | null;
  state: RoomState;
  viewers: number;
  watchUrl: string;
  playbackUrl: string;
  chatUrl: string;
  /** The venue box's preview (same origin, cache-busting query included) while live. */
  thumbnailUrl: string | null;
}

export interface Rendition {
  name: string;
  codec: string;
}

export interface RoomDetail extends PublicRoom {
  renditions: Rendition[];
  /** For the streamer while live, e.g. "keyframe interval 8.3 s, set 2 s"; null when fine. */
  ingestAdvice: string | null;
}

/** Permission to play a room for a while: the master playlist with a token nginx checks. */
export interface PlaybackGrant {
  v: number;
  room: string;
  /** The master playlist on the encoder, token in the query. */
  url: string;
  /** The token alone (`e=…&s=…&t=…`). */
  tokenQuery: string;
  session: string;
  expiresAt: string;
}

export interface HeartbeatAnswer {
  state: RoomState;
  viewers: number;
}

/** A refusal of the API: the status says what it means (404 no such room, 409 not live). */
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

const BASE = '/api/v1/public/rooms';

export async function listRooms(signal?: AbortSignal): Promise<PublicRoom[]> {
  const response = await fetch(BASE, { signal });
  if (!response.ok) throw await apiError(response, 'the room list');
  return ((await response.json()) as { rooms: PublicRoom[] }).rooms;
}

export async function getRoom(id: string, signal?: AbortSignal): Promise<RoomDetail> {
  const response = await fetch(`${BASE}/${encodeURIComponent(id)}`, { signal });
  if (!response.ok) throw await apiError(response, 'the room');
  return (await response.json()) as RoomDetail;
}

/** A grant with the edge's clock when it was issued (to judge its expiry with our clock). */
export interface ReceivedGrant {
  grant: PlaybackGrant;
  /** The answer's `Date` header. */
  serverDate: string | null;
  /** Our clock when the answer arrived, ms. */
  receivedAtMs: number;
}

/** Asks for a grant; pass the session of an earlier grant so a viewer stays one session. */
export async function requestPlayback(id: string, session: string | null): Promise<ReceivedGrant> {
  const response = await post(
    `${BASE}/${encodeURIComponent(id)}/playback`,
    session ? { session } : {},
  );
  if (!response.ok) throw await apiError(response, 'the playback grant');
  const grant = (await response.json()) as PlaybackGrant;
  return { grant, serverDate: response.headers.get('date'), receivedAtMs: Date.now() };
}

export async function sendHeartbeat(
  id: string,
  session: string,
  playing: boolean,
): Promise<HeartbeatAnswer> {
  const response = await post(`${BASE}/${encodeURIComponent(id)}/heartbeat`, { session, playing });
  if (!response.ok) throw await apiError(response, 'the heartbeat');
  return (await response.json()) as HeartbeatAnswer;
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The edge answers `{error:{code,message}}`; anything else (a proxy's page) keeps the status. */
async function apiError(response: Response, what: string): Promise<ApiError> {
  let message = `${what} answered ${response.status}`;
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    if (body.error?.message) message = body.error.message;
  } catch {
    // not JSON: the status says enough
  }
  return new ApiError(response.status, message);
}

/** What a viewer reads on the badge. */
export const STATE_LABELS: Record<RoomState, string> = {
  live: 'LIVE',
  backSoon: 'BACK SOON',
  offline: 'OFFLINE',
  ended: 'ENDED',
};
