// The browser's WebSocket and EventSource as the links connection.ts opens.
import type { Link, LinkEvents } from './connection.ts';

export function openBrowserSocket(url: string, events: LinkEvents): Link {
  const socket = new WebSocket(url);
  let ended = false;
  socket.onmessage = (event) => {
    if (typeof event.data === 'string') events.message(event.data);
  };
  // An error is always followed by close; close alone covers both.
  socket.onclose = () => {
    if (ended) return;
    ended = true;
    events.closed();
  };
  return {
    send(data) {
      if (socket.readyState !== WebSocket.OPEN) return false;
      socket.send(data);
      return true;
    },
    close() {
      ended = true;
      socket.close();
    },
  };
}

export function openBrowserEvents(url: string, events: LinkEvents): Link {
  const source = new EventSource(url);
  const relay = (event: MessageEvent) => {
    if (typeof event.data === 'string') events.message(event.data);
  };
  source.addEventListener('welcome', relay);
  source.addEventListener('entry', relay);
  // EventSource would reconnect by itself with Last-Event-ID, but to the same address: its
  // `?after=` (which the edge reads first) would replay from the old point, and a stream
  // that never got an entry would come back as a fresh join we could not tell apart. So
  // it is closed here and connection.ts reconnects, from the last entry applied.
  source.onerror = () => {
    source.close();
    events.closed();
  };
  return {
    send: () => false,
    close: () => source.close(),
  };
}
