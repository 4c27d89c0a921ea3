// The edge's public API as the pages use it (GET /api/v1/public/…), same origin.

export type RoomState = 'live' | 'backSoon' | 'offline' | 'ended';

export interface PublicRoom {
  id: string;
  title: string;
  eventId: string | null;
  state: RoomState;
  viewers: number;
  watchUrl: string;
}

export async function listRooms(signal?: AbortSignal): Promise<PublicRoom[]> {
  const response = await fetch('/api/v1/public/rooms', { signal });
  if (!response.ok) throw new Error(`the room list answered ${response.status}`);
  return ((await response.json()) as { rooms: PublicRoom[] }).rooms;
}

/** What a viewer reads on the badge. */
export const STATE_LABELS: Record<RoomState, string> = {
  live: 'LIVE',
  backSoon: 'BACK SOON',
  offline: 'OFFLINE',
  ended: 'ENDED',
};
