// One message: time, author, text. The text (and the name) go in as text nodes, never as
// markup: whatever someone typed is shown as the characters they typed. <bdi> keeps a
// right-to-left name or text from reordering what stands beside it.
import { useEffect, useState } from 'preact/hooks';
import type { ChatMessage } from '../../../core/wire/chat.ts';
import { clockTime, isoTime } from './clock_time.ts';

/** A first click on delete arms it for this long; a second one within it deletes. */
const CONFIRM_MS = 3_000;

const STAFF_LABELS: Partial<Record<ChatMessage['author']['role'], string>> = {
  admin: 'admin',
  operator: 'crew',
  moderator: 'mod',
};

export interface MessageRowProps {
  message: ChatMessage;
  own: boolean;
  canModerate: boolean;
  onDelete(seq: number): void;
}

export function MessageRow({ message, own, canModerate, onDelete }: MessageRowProps) {
  const { seq, at, author, text } = message;
  const time = clockTime(at);
  const staff = STAFF_LABELS[author.role];
  return (
    <li
      class={own ? 'chat-message chat-own' : 'chat-message'}
      data-seq={seq}
      data-own={String(own)}
      data-author={author.id}
    >
      <span class='chat-meta'>
        <time class='chat-time' dateTime={isoTime(at)} title={new Date(at).toLocaleString()}>
          {time}
        </time>{' '}
        <bdi class='chat-author'>{author.name}</bdi>
        {own && <span class='chat-you'>(you)</span>}
        {staff && <span class='chat-role'>{staff}</span>}
      </span>{' '}
      <bdi class='chat-text'>{text}</bdi>
      {canModerate && (
        <DeleteButton
          label={`message of ${author.name} at ${time}`}
          onDelete={() => onDelete(seq)}
        />
      )}
    </li>
  );
}

function DeleteButton({ label, onDelete }: { label: string; onDelete(): void }) {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    if (!armed) return;
    const timer = setTimeout(() => setArmed(false), CONFIRM_MS);
    return () => clearTimeout(timer);
  }, [armed]);
  return (
    <button
      type='button'
      class={armed ? 'chat-delete chat-delete-armed' : 'chat-delete'}
      aria-label={armed ? `Confirm: delete the ${label}` : `Delete the ${label}`}
      onClick={() => {
        if (!armed) return setArmed(true);
        setArmed(false);
        onDelete();
      }}
    >
      {armed ? 'Delete?' : '✕'}
    </button>
  );
}
