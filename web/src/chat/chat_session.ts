// One channel's chat on a page (a room's, or an event's crew channel): the connection, what
// it shows (chat_log.ts) and what the person does (send, join as a guest or sign in, delete
// as a moderator). The components render its snapshot and call its methods; everything the
// browser provides comes in `deps`, so the whole of it runs under node:test with fakes.
import type {
  ChatClientFrame,
  ChatMessage,
  ChatServerFrame,
  ChatSettings,
  ChatYou,
} from '../../../core/wire/chat.ts';
import type { ChatPlace, PostAnswer } from './chat_api.ts';
import { applyEntries, applyWelcome, type ChatLog, EMPTY_LOG } from './chat_log.ts';
import {
  type ConnectionStatus,
  createChatConnection,
  type LinkOpener,
  type TransportKind,
} from './connection.ts';
import { characterCount, type Notice, noticeOf, type Posting, postingState } from './posting.ts';

/**
 * What the box under the list offers: posting, or why not. `cookieBlocked`: we joined as a
 * guest but the next connection still came without an identity: the browser did not keep
 * or send the chat cookie (an embedded player on another site, where third-party cookies
 * are blocked).
 */
export type ChatBox = Posting | { kind: 'cookieBlocked' };

export interface ChatSnapshot {
  status: ConnectionStatus;
  transport: TransportKind;
  /** Oldest first. */
  messages: readonly ChatMessage[];
  you: ChatYou | null;
  settings: ChatSettings | null;
  /** Null until the first welcome. */
  box: ChatBox | null;
  notice: Notice | null;
  /** Taking an identity (guest or account), until the connection with it is welcomed. */
  joining: boolean;
  /** A message is on its way and not yet answered. */
  sending: boolean;
  /** The seq of the last entry applied (where a reconnect resumes). */
  cursor: number | null;
}

export interface ChatSession {
  start(): void;
  subscribe(listener: () => void): () => void;
  snapshot(): ChatSnapshot;
  /** Resolves true once the edge took the message (the entry itself comes live). */
  send(text: string): Promise<boolean>;
  /** Takes a guest identity and reconnects with it. */
  join(): Promise<void>;
  /** Signs in to an account and reconnects as it; resolves false (with a notice) if refused. */
  signIn(email: string, password: string): Promise<boolean>;
  /** Moderators: deletes a message for everyone. */
  remove(seq: number): Promise<void>;
  clearNotice(): void;
  /** The browser is back online: reconnect now rather than after the wait. */
  online(): void;
  dispose(): void;
}

export interface ChatSessionDeps {
  pageUrl: string;
  openSocket: LinkOpener;
  openEvents: LinkOpener;
  edgeAnswers(): Promise<boolean>;
  joinAsGuest(): Promise<unknown>;
  signIn(email: string, password: string): Promise<unknown>;
  postMessage(place: ChatPlace, text: string): Promise<PostAnswer>;
  deleteMessage(place: ChatPlace, seq: number): Promise<void>;
  now(): number;
  random?: () => number;
}

export const LOST_WHILE_SENDING =
  'The connection dropped before the chat confirmed your message. If it does not appear, ' +
  'send it again.';
export const NOT_CONNECTED = 'Not connected to the chat right now; the message was not sent.';

/**
 * The edge's limits on what carries a message, before it reads the text: a socket frame of
 * at most 8192 bytes (edge/routes/chat.ts, refused without its nonce), a posted text of at
 * most 2000 UTF-16 units (edge/routes/chat_schemas.ts). Either holds far more than the 500
 * characters a message may have, so a text over them is too long whatever the edge's
 * cleaning removes, and is refused here in the edge's words.
 */
const MAX_FRAME_BYTES = 8192;
const MAX_POSTED_UNITS = 2000;

function tooBigToCarry(text: string): boolean {
  const frame = JSON.stringify({ type: 'send', nonce: 'm0000000000', text });
  return text.length > MAX_POSTED_UNITS || new TextEncoder().encode(frame).length > MAX_FRAME_BYTES;
}

export function createChatSession(place: ChatPlace, deps: ChatSessionDeps): ChatSession {
  const listeners = new Set<() => void>();
  let log: ChatLog = EMPTY_LOG;
  let notice: Notice | null = null;
  let joinRequests = 0;
  /** none → waiting (identity taken, reconnecting) → done (welcomed with it). */
  let identityJoin: 'none' | 'waiting' | 'done' = 'none';
  let httpSends = 0;
  let nonces = 0;
  const pending = new Map<string, (ok: boolean) => void>();
  let current: ChatSnapshot | null = null;

  const notify = () => {
    current = null;
    listeners.forEach((listener) => listener());
  };
  const say = (message: string, retryAfterSeconds?: number) => {
    notice = noticeOf(message, retryAfterSeconds, deps.now());
  };

  const failPending = () => {
    if (pending.size === 0) return;
    const waiting = [...pending.values()];
    pending.clear();
    say(LOST_WHILE_SENDING);
    waiting.forEach((settle) => settle(false));
  };

  const onFrame = (frame: ChatServerFrame, resumed: boolean) => {
    switch (frame.type) {
      case 'welcome':
        log = applyWelcome(log, frame, resumed);
        if (identityJoin === 'waiting') identityJoin = 'done';
        return notify();
      case 'entry':
      case 'entries': {
        const next = applyEntries(log, frame.type === 'entry' ? [frame.entry] : frame.entries);
        if (next === log) return;
        log = next;
        return notify();
      }
      case 'sent':
        return pending.get(frame.nonce)?.(true);
      case 'refused': {
        say(frame.message, frame.retryAfterSeconds);
        const settle = frame.nonce === null ? undefined : pending.get(frame.nonce);
        if (settle) settle(false);
        else notify();
        return;
      }
    }
  };

  const connection = createChatConnection({
    place,
    pageUrl: deps.pageUrl,
    resumeAfter: () => log.cursor,
    frame: onFrame,
    changed: () => {
      if (connection.status() !== 'live') failPending();
      notify();
    },
    openSocket: deps.openSocket,
    openEvents: deps.openEvents,
    edgeAnswers: deps.edgeAnswers,
    random: deps.random,
  });

  const box = (): ChatBox | null => {
    const { you, settings, youSettings } = log;
    if (!you || !settings || !youSettings) return null;
    if (identityJoin === 'done' && you.author === null) return { kind: 'cookieBlocked' };
    return postingState(you, settings, youSettings);
  };

  const sendOnSocket = (text: string): Promise<boolean> => {
    const nonce = `m${++nonces}`;
    const frame: ChatClientFrame = { type: 'send', nonce, text };
    if (!connection.send(frame)) {
      say(NOT_CONNECTED);
      notify();
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      pending.set(nonce, (ok) => {
        pending.delete(nonce);
        if (ok) notice = null;
        notify();
        resolve(ok);
      });
      notify();
    });
  };

  const sendOverHttp = async (text: string): Promise<boolean> => {
    httpSends++;
    notify();
    try {
      const answer = await deps.postMessage(place, text);
      if (answer.ok) notice = null;
      else say(answer.message, answer.retryAfterSeconds);
      return answer.ok;
    } catch {
      say(NOT_CONNECTED);
      return false;
    } finally {
      httpSends--;
      notify();
    }
  };

  /** Takes an identity (guest or account), then reconnects so the edge knows us by it. */
  const takeIdentity = async (take: () => Promise<unknown>, failed: string) => {
    joinRequests++;
    notify();
    try {
      await take();
      identityJoin = 'waiting';
      notice = null;
      connection.restart();
      return true;
    } catch (error) {
      say(error instanceof Error ? error.message : failed);
      return false;
    } finally {
      joinRequests--;
      notify();
    }
  };

  return {
    start: () => connection.start(),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    snapshot() {
      current ??= {
        status: connection.status(),
        transport: connection.transport(),
        messages: log.messages,
        you: log.you,
        settings: log.settings,
        box: box(),
        notice,
        joining: joinRequests > 0 || identityJoin === 'waiting',
        sending: pending.size > 0 || httpSends > 0,
        cursor: log.cursor,
      };
      return current;
    },
    send(text) {
      if (!text.trim()) return Promise.resolve(false);
      if (tooBigToCarry(text)) {
        const max = log.settings?.maxLength ?? 500;
        say(`the message is ${characterCount(text)} characters; at most ${max}`);
        notify();
        return Promise.resolve(false);
      }
      // Too long is still sent: the edge counts after its own cleaning, and its refusal is
      // the one wording people see for it.
      return connection.transport() === 'websocket' ? sendOnSocket(text) : sendOverHttp(text);
    },
    async join() {
      await takeIdentity(() => deps.joinAsGuest(), 'joining the chat failed');
    },
    signIn: (email, password) =>
      takeIdentity(() => deps.signIn(email, password), 'signing in failed'),
    async remove(seq) {
      try {
        await deps.deleteMessage(place, seq);
      } catch (error) {
        say(error instanceof Error ? error.message : 'deleting the message failed');
        notify();
      }
    },
    clearNotice() {
      if (!notice) return;
      notice = null;
      notify();
    },
    online: () => connection.retryNow(),
    dispose() {
      connection.stop();
      listeners.clear();
    },
  };
}
