// A chat client as the watch page is one, for tests and benchmarks: a WebSocket (the `ws`
// package; Node 20 has no WebSocket of its own) with the chat cookie, the welcome, every
// entry by its number, and reconnecting with `?after=` the last number seen.
import WebSocket from 'ws';
import { CHAT_PING_MS, type ChatEntry, type ChatServerFrame } from '../wire/chat.ts';

export interface TestChatClient {
  welcome: Promise<Extract<ChatServerFrame, { type: 'welcome' }>>;
  /** Every entry received, in arrival order (repeats included, so tests can see them). */
  entries: ChatEntry[];
  /** Frames other than entries (sent, refused). */
  replies: ChatServerFrame[];
  /** Called with each entry as it arrives (for the benchmark's timing). */
  onEntry?: (entry: ChatEntry) => void;
  send(text: string, nonce?: string): void;
  /** The reply (sent or refused) to the frame with this nonce. */
  reply(nonce: string, ms?: number): Promise<ChatServerFrame>;
  /** Drops the connection and opens a new one after the last entry seen. */
  reconnect(): Promise<void>;
  lastSeq(): number;
  close(): void;
}

/** Joins a guest identity on `edgeUrl`, returning the cookie header value. */
export async function chatGuestCookie(edgeUrl: string): Promise<string> {
  const response = await fetch(`${edgeUrl}/api/v1/chat/identity`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"guest":true}',
  });
  if (!response.ok) throw new Error(`guest identity: ${response.status} ${await response.text()}`);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

export function connectChat(
  edgeUrl: string,
  path: string,
  options: { cookie?: string; after?: number } = {},
): TestChatClient {
  let socket: WebSocket;
  let last = options.after ?? 0;
  let nonces = 0;
  const waiting = new Map<string, (frame: ChatServerFrame) => void>();
  const client: TestChatClient = {
    welcome: Promise.resolve() as never,
    entries: [],
    replies: [],
    send(text, nonce = `n${++nonces}`) {
      socket.send(JSON.stringify({ type: 'send', nonce, text }));
    },
    reply(nonce, ms = 5000) {
      const seen = client.replies.find((f) => 'nonce' in f && f.nonce === nonce);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply to ${nonce}`)), ms);
        waiting.set(nonce, (frame) => {
          clearTimeout(timer);
          resolve(frame);
        });
      });
    },
    async reconnect() {
      socket.terminate();
      open(last);
      await client.welcome;
    },
    lastSeq: () => last,
    close: () => socket.terminate(),
  };
  const open = (after: number | undefined) => {
    const url = new URL(`${edgeUrl.replace(/^http/, 'ws')}${path}`);
    const resuming = after !== undefined && after > 0;
    if (resuming) url.searchParams.set('after', String(after));
    socket = new WebSocket(url, { headers: options.cookie ? { cookie: options.cookie } : {} });
    // Ping like the page does, or the edge closes the socket as silent.
    const pings = setInterval(() => {
      if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}');
    }, CHAT_PING_MS);
    pings.unref();
    socket.once('close', () => clearInterval(pings));
    client.welcome = new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.once(
        'unexpected-response',
        (_request, response) => reject(new Error(`chat socket refused: ${response.statusCode}`)),
      );
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as ChatServerFrame;
        if (frame.type === 'welcome') {
          // Resumed: the missed entries follow as entries. Otherwise start at the cursor.
          if (frame.reset || !resuming) last = frame.cursor;
          resolve(frame);
        } else if (frame.type === 'entry' || frame.type === 'entries') {
          for (const entry of frame.type === 'entry' ? [frame.entry] : frame.entries) {
            last = Math.max(last, entry.seq);
            client.entries.push(entry);
            client.onEntry?.(entry);
          }
        } else {
          client.replies.push(frame);
          const nonce = 'nonce' in frame ? frame.nonce : null;
          if (nonce) waiting.get(nonce)?.(frame);
        }
      });
    });
    client.welcome.catch(() => {});
  };
  open(options.after);
  return client;
}
