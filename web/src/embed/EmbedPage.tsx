// /embed/<room>: only the player, filling the iframe, and the room's title linking to its
// watch page (in a new tab: the iframe's own site stays). With `?chat=1` the room's chat
// sits beside the player (below it in a narrow frame).
import { useEffect } from 'preact/hooks';
import { roomPlace } from '../chat/chat_api.ts';
import { ChatPanel } from '../chat/ChatPanel.tsx';
import { Player } from '../player/Player.tsx';
import { exposePlayer } from '../player/scripting_api.ts';
import type { LatencyMode } from '../player/tuning.ts';
import { usePlayback } from '../player/use_playback.ts';

export interface EmbedPageProps {
  roomId: string | null;
  latency: LatencyMode;
  chat: boolean;
}

export function EmbedPage({ roomId, latency, chat }: EmbedPageProps) {
  const [playback, snapshot] = usePlayback(roomId, latency);
  useEffect(() => exposePlayer(playback.scriptingApi()), [playback]);
  const title = snapshot.room?.title ?? roomId;
  useEffect(() => {
    document.title = title ? `${title} — roomcast` : 'roomcast';
  }, [title]);

  return (
    <div class={chat ? 'embed embed-with-chat' : 'embed'}>
      <div class='embed-stage'>
        <Player playback={playback} snapshot={snapshot} />
        {roomId && title && (
          <a
            class='embed-title'
            href={`/watch/${encodeURIComponent(roomId)}`}
            target='_blank'
            rel='noopener'
          >
            {title}
          </a>
        )}
      </div>
      {chat && <ChatPanel place={roomId ? roomPlace(roomId) : null} embedded />}
    </div>
  );
}
