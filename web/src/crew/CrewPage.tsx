// /crew/<event>: the event's crew channel, where the control room and the rooms' AV crews
// talk. Only the crew may read it (admins, operators, moderators, owners of the event's
// rooms; the edge decides), so the page first asks whether this browser may, and offers
// to sign in when it may not, before it opens the chat.
import { useEffect, useState } from 'preact/hooks';
import { channelRefusal, type ChatPlace, currentAuthor, signIn } from '../chat/chat_api.ts';
import { ChatPanel } from '../chat/ChatPanel.tsx';
import { SignInForm } from '../chat/SignInForm.tsx';

type Access =
  | { kind: 'checking' }
  | { kind: 'open' }
  /** Not signed in, or signed in as someone who is not crew here: why, and who. */
  | { kind: 'closed'; why: string; as: string | null }
  | { kind: 'unreachable'; why: string };

export function CrewPage({ eventId }: { eventId: string | null }) {
  const [access, setAccess] = useState<Access>({ kind: 'checking' });
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const place: ChatPlace | null = eventId ? { kind: 'crew', id: eventId } : null;

  const check = async () => {
    if (!place) return;
    try {
      const refusal = await channelRefusal(place);
      if (refusal === null) return setAccess({ kind: 'open' });
      const author = await currentAuthor();
      setAccess({ kind: 'closed', why: refusal, as: author?.name ?? null });
    } catch (error) {
      setAccess({ kind: 'unreachable', why: (error as Error).message });
    }
  };
  useEffect(() => {
    document.title = eventId ? `Crew chat: ${eventId} — roomcast` : 'roomcast';
    void check();
  }, []);

  const signInThenCheck = async (email: string, password: string) => {
    setBusy(true);
    setNotice('');
    try {
      await signIn(email, password);
      await check();
      return true;
    } catch (error) {
      setNotice((error as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class='crew' data-crew-access={access.kind}>
      <h1>Crew chat{eventId ? `: ${eventId}` : ''}</h1>
      {!place
        ? <p>This address names no event.</p>
        : access.kind === 'checking'
        ? <p>Checking who you are…</p>
        : access.kind === 'open'
        ? <ChatPanel place={place} title='Crew' />
        : access.kind === 'unreachable'
        ? <p role='alert'>{access.why}</p>
        : (
          <div class='crew-closed'>
            <p role='status'>
              {access.as ? `Signed in as ${access.as}: ` : ''}
              {access.why}
            </p>
            <SignInForm
              lead={access.as
                ? 'Sign in as a member of the crew instead:'
                : 'Sign in with your crew account:'}
              busy={busy}
              signIn={signInThenCheck}
            />
            <p class='crew-notice' role='status'>{notice}</p>
          </div>
        )}
    </main>
  );
}
