// A page's chat as a Preact hook: one session per page (none when the address names no
// channel), followed while the page lives and re-rendered on every change of its snapshot.
import { useEffect, useReducer, useState } from 'preact/hooks';
import {
  type ChatPlace,
  deleteMessage,
  edgeAnswers,
  joinAsGuest,
  postMessage,
  signIn,
} from './chat_api.ts';
import { openBrowserEvents, openBrowserSocket } from './browser_links.ts';
import { type ChatSession, type ChatSnapshot, createChatSession } from './chat_session.ts';

export function useChat(place: ChatPlace | null): [ChatSession | null, ChatSnapshot | null] {
  const [session] = useState(() =>
    place
      ? createChatSession(place, {
        pageUrl: location.href,
        openSocket: openBrowserSocket,
        openEvents: openBrowserEvents,
        edgeAnswers,
        joinAsGuest,
        signIn,
        postMessage,
        deleteMessage,
        now: Date.now,
      })
      : null
  );
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (!session) return;
    const unsubscribe = session.subscribe(() => rerender(undefined));
    const online = () => session.online();
    addEventListener('online', online);
    session.start();
    return () => {
      unsubscribe();
      removeEventListener('online', online);
      session.dispose();
    };
  }, [session]);
  return [session, session?.snapshot() ?? null];
}
