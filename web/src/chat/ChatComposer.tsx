// Under the list: the input with its character counter, or what the person can do instead
// (join as a guest, sign in) or why chat is closed to them; and the last refusal.
import { useEffect, useId, useState } from 'preact/hooks';
import type { ChatPlace } from './chat_api.ts';
import { characterCount, noticeText, sentence } from './posting.ts';
import type { ChatBox, ChatSession, ChatSnapshot } from './chat_session.ts';
import { SignInForm } from './SignInForm.tsx';

export interface ChatComposerProps {
  place: ChatPlace;
  session: ChatSession;
  snapshot: ChatSnapshot;
  /** In an embedded player: links to the watch page open in a new tab. */
  embedded: boolean;
}

export function ChatComposer({ place, session, snapshot, embedded }: ChatComposerProps) {
  const noticeId = useId();
  const notice = snapshot.notice;
  const now = useSecondClock(notice?.retryAt ?? null);
  const box = snapshot.box;
  return (
    <div class='chat-compose'>
      {box && <Box {...{ place, session, snapshot, embedded, box, noticeId }} />}
      <p id={noticeId} class='chat-notice' role='status'>
        {notice ? noticeText(notice, now) : ''}
      </p>
    </div>
  );
}

function Box(
  { place, session, snapshot, embedded, box, noticeId }: ChatComposerProps & {
    box: ChatBox;
    noticeId: string;
  },
) {
  const signIn = (lead: string) => (
    <SignInForm
      lead={lead}
      busy={snapshot.joining}
      signIn={(email, password) => session.signIn(email, password)}
    />
  );
  switch (box.kind) {
    case 'ready':
      return <MessageForm session={session} snapshot={snapshot} noticeId={noticeId} />;
    case 'join':
      return (
        <div class='chat-offer'>
          <p>Chat as a guest, under a name the chat picks for you.</p>
          <button
            type='button'
            class='button'
            disabled={snapshot.joining}
            onClick={() => void session.join()}
          >
            {snapshot.joining ? 'Joining…' : 'Join chat'}
          </button>
          <details class='chat-sign-in-more'>
            <summary>Have an account? Sign in</summary>
            {signIn('Chat under your account’s name.')}
          </details>
        </div>
      );
    case 'signIn':
      return signIn('Sign in to chat here.');
    case 'membersOnly':
      return signIn('Only signed-in viewers can chat here. Sign in:');
    case 'off':
      return <p class='chat-closed' data-chat-off=''>Chat is off in this room.</p>;
    case 'blocked':
      return <p class='chat-closed'>{sentence(box.reason)}</p>;
    case 'cookieBlocked':
      return (
        <p class='chat-closed'>
          This browser did not keep the chat’s sign-in here (embedded players on other sites often
          cannot). {place.kind === 'rooms' && (
            <>
              <a
                href={`/watch/${encodeURIComponent(place.id)}`}
                target={embedded ? '_blank' : undefined}
              >
                Chat on the room’s page
              </a>.
            </>
          )}
        </p>
      );
  }
}

function MessageForm(
  { session, snapshot, noticeId }: {
    session: ChatSession;
    snapshot: ChatSnapshot;
    noticeId: string;
  },
) {
  const [draft, setDraft] = useState('');
  const inputId = useId();
  const counterId = useId();
  const max = snapshot.settings?.maxLength ?? 500;
  const count = characterCount(draft);
  const over = count > max;
  const live = snapshot.status === 'live';
  const slow = snapshot.settings?.slowModeSeconds ?? 0;

  const submit = async (event: Event) => {
    event.preventDefault();
    const text = draft;
    if (!text.trim() || !live) return;
    if (await session.send(text)) setDraft((now) => (now === text ? '' : now));
  };

  return (
    <form class='chat-form' onSubmit={submit}>
      <label for={inputId} class='visually-hidden'>Write a message</label>
      <div class='chat-input-row'>
        <input
          id={inputId}
          class='chat-input'
          type='text'
          value={draft}
          placeholder='Say something…'
          autocomplete='off'
          enterKeyHint='send'
          aria-describedby={`${counterId} ${noticeId}`}
          aria-invalid={over ? 'true' : undefined}
          onInput={(event) => setDraft(event.currentTarget.value)}
        />
        <button type='submit' class='button chat-send' disabled={!live || !draft.trim()}>
          Send
        </button>
      </div>
      <p class='chat-form-foot'>
        <span class='chat-as'>
          {snapshot.you?.author && (
            <>
              As <bdi>{snapshot.you.author.name}</bdi>
            </>
          )}
          {slow > 0 && !snapshot.you?.canModerate && ` · slow mode: one message every ${slow} s`}
        </span>
        <span id={counterId} class={over ? 'chat-counter chat-counter-over' : 'chat-counter'}>
          {count} / {max}
          <span class='visually-hidden'>characters{over ? ', too long' : ''}</span>
        </span>
      </p>
    </form>
  );
}

/** Now, re-rendered every second while `until` (ms) is in the future. */
function useSecondClock(until: number | null): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    setNow(Date.now());
    if (until === null || until <= Date.now()) return;
    const timer = setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= until) clearInterval(timer);
    }, 1_000);
    return () => clearInterval(timer);
  }, [until]);
  return now;
}
