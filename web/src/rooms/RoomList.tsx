// Every room of the current event with its preview, state and viewers, refreshed without a
// reload.
import { useEffect, useState } from 'preact/hooks';
import { listRooms, type PublicRoom, STATE_LABELS } from '../api.ts';
import { RoomThumbnail } from './RoomThumbnail.tsx';

/** How often the list is fetched again: states change when a collector connects or drops. */
const REFRESH_MS = 5000;

export function RoomList() {
  const [rooms, setRooms] = useState<PublicRoom[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const next = await listRooms();
        if (!stopped) {
          setRooms(next);
          setError(null);
        }
      } catch (failure) {
        if (!stopped) setError((failure as Error).message);
      }
    };
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  return (
    <section class='rooms' aria-labelledby='rooms-title'>
      <h1 id='rooms-title'>Rooms</h1>
      {error && <p role='alert'>Cannot load the rooms right now ({error}); retrying.</p>}
      {rooms === null ? <p>Loading…</p> : rooms.length === 0 ? <p>No rooms yet.</p> : (
        <ul>
          {rooms.map((room) => (
            <li key={room.id} data-room={room.id}>
              <RoomThumbnail room={room} />
              <a href={`/watch/${encodeURIComponent(room.id)}`}>{room.title}</a>{' '}
              <span class={`state state-${room.state}`} data-state={room.state}>
                {STATE_LABELS[room.state]}
              </span>{' '}
              <span class='viewers'>
                {room.viewers} {room.viewers === 1 ? 'viewer' : 'viewers'}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
