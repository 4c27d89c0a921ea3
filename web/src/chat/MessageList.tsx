// The messages, newest at the bottom, following the newest while the reader is there
// (follow.ts). A polite live region: screen readers read new messages when idle. It is
// only rendered once the first welcome brought the history, so the 200 messages of a join
// are its starting content and not 200 announcements.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ChatMessage } from '../../../core/wire/chat.ts';
import { isAtBottom, unseenCount } from './follow.ts';
import { MessageRow } from './MessageRow.tsx';

export interface MessageListProps {
  messages: readonly ChatMessage[];
  /** The reader's author id, to mark their own messages. */
  ownId: string | null;
  canModerate: boolean;
  onDelete(seq: number): void;
}

export function MessageList({ messages, ownId, canModerate, onDelete }: MessageListProps) {
  const box = useRef<HTMLDivElement>(null);
  const [following, setFollowing] = useState(true);
  /** The newest seq the reader had in view. */
  const seen = useRef(0);
  const newest = messages.at(-1)?.seq ?? 0;
  // While following, whatever is rendered is in view: seen by definition.
  if (following) seen.current = newest;

  useLayoutEffect(() => {
    const element = box.current;
    if (following && element) element.scrollTop = element.scrollHeight;
  }, [messages, following]);

  const onScroll = () => {
    const element = box.current;
    if (!element) return;
    const atBottom = isAtBottom(element);
    if (atBottom !== following) setFollowing(atBottom);
  };

  const unseen = following ? 0 : unseenCount(messages, seen.current);

  return (
    <div class='chat-log-frame'>
      <div
        ref={box}
        class='chat-log'
        role='log'
        aria-live='polite'
        aria-relevant='additions'
        aria-label='Chat messages'
        // Focusable so that keyboard users can scroll it.
        tabIndex={0}
        onScroll={onScroll}
      >
        {messages.length === 0
          ? <p class='chat-empty'>No messages yet. Say hello!</p>
          : (
            <ol class='chat-messages'>
              {messages.map((message) => (
                <MessageRow
                  key={message.seq}
                  message={message}
                  own={ownId !== null && message.author.id === ownId}
                  canModerate={canModerate}
                  onDelete={onDelete}
                />
              ))}
            </ol>
          )}
      </div>
      {unseen > 0 && (
        <button type='button' class='chat-jump' onClick={() => setFollowing(true)}>
          {unseen === 1 ? '1 new message' : `${unseen} new messages`} ↓
        </button>
      )}
    </div>
  );
}
