// The chat column of the watch page (and of the embed page with ?chat=1, and the crew
// page): the channel's live messages and the box to write in. The root's data-* attributes are the contract for
// tests and embedders (web/README.md).
import './chat.css';
import { useId } from 'preact/hooks';
import type { ChatPlace } from './chat_api.ts';
import { ChatComposer } from './ChatComposer.tsx';
import type { ConnectionStatus } from './connection.ts';
import { MessageList } from './MessageList.tsx';
import { useChat } from './use_chat.ts';

const STATUS_WORDS: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  live: '',
  reconnecting: 'Reconnecting…',
};

export interface ChatPanelProps {
  place: ChatPlace | null;
  embedded?: boolean;
  /** The heading (default "Chat"). */
  title?: string;
}

export function ChatPanel({ place, embedded = false, title = 'Chat' }: ChatPanelProps) {
  const [session, snapshot] = useChat(place);
  const titleId = useId();
  return (
    <aside
      class='chat'
      aria-labelledby={titleId}
      data-chat=''
      data-status={snapshot?.status ?? 'none'}
      data-transport={snapshot?.transport ?? ''}
      data-cursor={snapshot?.cursor ?? ''}
    >
      <div class='chat-head'>
        <h2 id={titleId}>{title}</h2>
        <span class='chat-status' role='status'>
          {snapshot ? STATUS_WORDS[snapshot.status] : ''}
        </span>
      </div>
      {!place || !session || !snapshot
        ? <p class='chat-closed'>No chat here: this address names no room.</p>
        : (
          <>
            {snapshot.box
              ? (
                <MessageList
                  messages={snapshot.messages}
                  ownId={snapshot.you?.author?.id ?? null}
                  canModerate={snapshot.you?.canModerate ?? false}
                  onDelete={(seq) => void session.remove(seq)}
                />
              )
              : <p class='chat-placeholder'>Loading the chat…</p>}
            <ChatComposer
              place={place}
              session={session}
              snapshot={snapshot}
              embedded={embedded}
            />
          </>
        )}
    </aside>
  );
}
