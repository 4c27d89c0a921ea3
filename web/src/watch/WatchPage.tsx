// /watch/<room>: the room's title, state and viewers, the player, the chat column beside it
// (below it on phones) and the code to embed it elsewhere.
import { useEffect } from 'preact/hooks';
import { STATE_LABELS } from '../api.ts';
import { roomPlace } from '../chat/chat_api.ts';
import { ChatPanel } from '../chat/ChatPanel.tsx';
import { Player } from '../player/Player.tsx';
import { exposePlayer } from '../player/scripting_api.ts';
import type { LatencyMode } from '../player/tuning.ts';
import { usePlayback } from '../player/use_playback.ts';
import { EmbedSnippet } from './EmbedSnippet.tsx';

export interface WatchPageProps {
  roomId: string | null;
  latency: LatencyMode;
}

export function WatchPage({ roomId, latency }: WatchPageProps) {
  const [playback, snapshot] = usePlayback(roomId, latency);
  useEffect(() => exposePlayer(playback.scriptingApi()), [playback]);
  const room = snapshot.room;
  const title = room?.title ?? (snapshot.state === 'error' ? 'No such room' : roomId ?? '');
  useEffect(() => {
    document.title = title ? `${title} — roomcast` : 'roomcast';
  }, [title]);

  return (
    <>
      <header class='site-header'>
        <a href='/'>All rooms</a>
      </header>
      <main class='watch'>
        <div class='watch-head'>
          <h1>{title || 'Loading…'}</h1>
          {room && (
            <p class='room-meta'>
              <span class={`state state-${room.state}`}>{STATE_LABELS[room.state]}</span>{' '}
              <span class='viewers'>
                {room.viewers} {room.viewers === 1 ? 'viewer' : 'viewers'}
              </span>
            </p>
          )}
          {room?.state === 'live' && room.ingestAdvice && (
            // The streamer checks their room here after going live; the big platforms
            // name the setting to change in the same words.
            <p class='stream-advice' role='status'>
              For the streamer: {room.ingestAdvice}
            </p>
          )}
        </div>
        <div class='watch-player'>
          <Player playback={playback} snapshot={snapshot} />
        </div>
        <div class='watch-chat'>
          <ChatPanel place={roomId ? roomPlace(roomId) : null} />
        </div>
        {roomId && room && (
          <div class='watch-embed'>
            <EmbedSnippet roomId={roomId} title={room.title} />
          </div>
        )}
      </main>
    </>
  );
}
