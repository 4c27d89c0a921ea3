// The edge's chat API as the pages use it (same origin; the chat cookie is HttpOnly and
// sent by the browser to /api/v1/chat only): who we are, joining as a guest, posting where
// the WebSocket cannot be used, deleting as a moderator, and the addresses of the live
// connections. The frames themselves are core/wire/chat.ts.
import type { ChatAuthor, ChatMessage } from '../../../core/wire/chat.ts';
import { ApiError } from '../api.ts';

const BASE = '/api/v1/chat';

export const roomChatPath = (roomId: string) => `${BASE}/rooms/${encodeURIComponent(roomId)}`;

const withAfter = (path: string, after: number | null) =>
  after === null ? path : `${path}?after=${after}`;

/** The WebSocket of a room's chat, on the page's own host (ws: beside http:, wss: beside https:). */
export function socketUrl(pageUrl: string, roomId: string, after: number | null): string {
  const url = new URL(withAfter(`${roomChatPath(roomId)}/ws`, after), pageUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** The event stream of a room's chat (relative: EventSource resolves it against the page). */
export function eventsUrl(roomId: string, after: number | null): string {
  return withAfter(`${roomChatPath(roomId)}/events`, after);
}

/** Takes a guest identity (the edge makes up the name and sets the cookie). */
export async function joinAsGuest(): Promise<ChatAuthor> {
  const response = await fetch(`${BASE}/identity`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ guest: true }),
  });
  if (!response.ok) throw await chatError(response, 'joining the chat');
  return ((await response.json()) as { author: ChatAuthor }).author;
}

const EDGE_ANSWERS_WITHIN_MS = 5_000;

/** Whether the edge answers plain HTTP at all (see connection.ts: sockets blocked or network down). */
export async function edgeAnswers(): Promise<boolean> {
  try {
    const answer = await fetch(`${BASE}/identity`, {
      cache: 'no-store',
      // A network that swallows packets would otherwise hold the reconnect for minutes.
      signal: AbortSignal.timeout(EDGE_ANSWERS_WITHIN_MS),
    });
    return answer.ok;
  } catch {
    return false;
  }
}

export type PostAnswer =
  | { ok: true; message: ChatMessage }
  | { ok: false; message: string; retryAfterSeconds?: number };

/** Posts a message over HTTP (with the event stream); a refusal is an answer, not a throw. */
export async function postMessage(roomId: string, text: string): Promise<PostAnswer> {
  const response = await fetch(`${roomChatPath(roomId)}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  if (response.ok) return { ok: true, message: (await response.json()) as ChatMessage };
  const error = await chatError(response, 'sending the message');
  const retryAfter = Number(response.headers.get('retry-after'));
  return {
    ok: false,
    message: error.message,
    ...(retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
  };
}

/** A moderator deletes a message for everyone (the cookie says who; no body). */
export async function deleteMessage(roomId: string, seq: number): Promise<void> {
  const response = await fetch(`${roomChatPath(roomId)}/messages/${seq}`, { method: 'DELETE' });
  if (!response.ok) throw await chatError(response, 'deleting the message');
}

/** The edge answers `{error:{code,message}}`; anything else (a proxy's page) keeps the status. */
async function chatError(response: Response, what: string): Promise<ApiError> {
  let message = `${what} failed (${response.status})`;
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    if (body.error?.message) message = body.error.message;
  } catch {
    // not JSON: the status says enough
  }
  return new ApiError(response.status, message);
}
