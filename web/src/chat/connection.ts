// The live connection of one room's chat: a WebSocket, or an event stream where WebSockets
// do not get through (some corporate proxies, some hotel networks); reconnecting with
// backoff after every drop, each time resuming after the last entry applied (`?after=`),
// so nothing is lost; repeats are harmless (chat_log.ts skips them).
//
// Falling back: a socket that fails before its welcome, twice in a row, while the edge
// answers plain HTTP, is a socket something in between refuses; from then on this page
// uses the event stream (and posts over HTTP). When HTTP fails too, the network or the
// edge is down, which says nothing about sockets: we just wait and try again. Once on the
// event stream the page stays there; a network that blocks sockets rarely stops doing so.
import {
  CHAT_PING_MS,
  type ChatClientFrame,
  type ChatServerFrame,
} from '../../../core/wire/chat.ts';
import { reconnectDelayMs } from './backoff.ts';
import { type ChatPlace, eventsUrl, socketUrl } from './chat_api.ts';

export type TransportKind = 'websocket' | 'sse';
/** connecting: never live yet; live: welcomed; reconnecting: was live, is not now. */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting';

export const SOCKET_FAILURES_BEFORE_FALLBACK = 2;
/** How often an open socket pings (core/wire/chat.ts says why). */
export const PING_MS = CHAT_PING_MS;

/** What the connection hears from one link (socket or stream): frames as text, and its end. */
export interface LinkEvents {
  message(data: string): void;
  /** The link ended or failed; called at most once. */
  closed(): void;
}

export interface Link {
  /** Sends a frame; false when it cannot (an event stream, a socket not open). */
  send(data: string): boolean;
  close(): void;
}

export type LinkOpener = (url: string, events: LinkEvents) => Link;

export interface ConnectionOptions {
  place: ChatPlace;
  /** The page's address: the socket goes to its host. */
  pageUrl: string;
  /** The seq of the last entry applied, where a new connection resumes; null: join fresh. */
  resumeAfter(): number | null;
  /** Every frame, with whether the connection that brought it asked to resume. */
  frame(frame: ChatServerFrame, resumed: boolean): void;
  /** The status or the transport changed. */
  changed(): void;
  openSocket: LinkOpener;
  openEvents: LinkOpener;
  /** Whether the edge answers plain HTTP now (tells a refused socket from a network down). */
  edgeAnswers(): Promise<boolean>;
  /** In [0, 1), for the spread of the backoff. */
  random?: () => number;
}

export interface ChatConnection {
  start(): void;
  /** Drops the link and connects again at once (resuming), e.g. with a new identity. */
  restart(): void;
  /** Connects now if a reconnect is waiting (the browser is back online). */
  retryNow(): void;
  /** Sends a frame on the live socket; false when there is none (then post over HTTP). */
  send(frame: ChatClientFrame): boolean;
  status(): ConnectionStatus;
  transport(): TransportKind;
  stop(): void;
}

export function createChatConnection(options: ConnectionOptions): ChatConnection {
  const random = options.random ?? Math.random;
  let transport: TransportKind = 'websocket';
  let status: ConnectionStatus = 'connecting';
  let link: Link | null = null;
  /** Bumped whenever a link is dropped: events of older links are ignored. */
  let generation = 0;
  let attempt = 0;
  let socketFailures = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let stopped = true;

  const setStatus = (next: ConnectionStatus) => {
    if (status === next) return;
    status = next;
    options.changed();
  };

  const drop = () => {
    generation++;
    clearInterval(pingTimer);
    pingTimer = undefined;
    const old = link;
    link = null;
    old?.close();
  };

  const connect = () => {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    drop();
    const mine = generation;
    const after = options.resumeAfter();
    const resumed = after !== null;
    let welcomed = false;
    const events: LinkEvents = {
      message(data) {
        if (mine !== generation) return;
        const frame = parseFrame(data);
        if (!frame) return;
        if (frame.type === 'welcome') {
          welcomed = true;
          attempt = 0;
          if (transport === 'websocket') {
            socketFailures = 0;
            startPing();
          }
        }
        options.frame(frame, resumed);
        if (frame.type === 'welcome') setStatus('live');
      },
      closed() {
        if (mine === generation) void lost(welcomed);
      },
    };
    try {
      link = transport === 'websocket'
        ? options.openSocket(socketUrl(options.pageUrl, options.place, after), events)
        : options.openEvents(eventsUrl(options.place, after), events);
    } catch {
      // A constructor that throws (a policy refusing the address) is a failed link too.
      queueMicrotask(() => events.closed());
    }
  };

  const startPing = () => {
    clearInterval(pingTimer);
    pingTimer = setInterval(() => link?.send(JSON.stringify({ type: 'ping' })), PING_MS);
  };

  const lost = async (welcomed: boolean) => {
    drop();
    if (stopped) return;
    setStatus(status === 'connecting' ? 'connecting' : 'reconnecting');
    if (!welcomed && transport === 'websocket') {
      const mine = generation;
      const answers = await options.edgeAnswers();
      if (stopped || mine !== generation) return;
      if (answers && ++socketFailures >= SOCKET_FAILURES_BEFORE_FALLBACK) {
        transport = 'sse';
        attempt = 0;
        options.changed();
        connect();
        return;
      }
    }
    const wait = reconnectDelayMs(attempt++, random);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (!stopped) connect();
    }, wait);
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      connect();
    },
    restart() {
      if (stopped) return;
      attempt = 0;
      if (status === 'live') setStatus('reconnecting');
      connect();
    },
    retryNow() {
      if (!stopped && retryTimer !== undefined) connect();
    },
    send(frame) {
      if (transport !== 'websocket' || status !== 'live' || !link) return false;
      return link.send(JSON.stringify(frame));
    },
    status: () => status,
    transport: () => transport,
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      drop();
    },
  };
}

/** A frame of the edge, or null for anything that is not one (the edge sends only JSON objects). */
function parseFrame(data: string): ChatServerFrame | null {
  try {
    const frame = JSON.parse(data) as ChatServerFrame | null;
    return frame && typeof frame === 'object' && typeof frame.type === 'string' ? frame : null;
  } catch {
    return null;
  }
}
