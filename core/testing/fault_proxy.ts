// A TCP proxy on loopback that a test puts between a client and a server (the collector and
// the encoder's RTMP port) to break the network on purpose: `reset` is a cut (RST both
// ways, new connections refused by RST for a while), `freeze` is a silent black hole (no
// FIN, no RST, nothing forwarded, the sender's data piles up in kernel buffers).
import { connect, createServer, type Socket } from 'node:net';

export interface FaultProxyOptions {
  targetHost: string;
  targetPort: number;
  listenHost?: string;
}

/**
 * accept: a connection reached the proxy (also one that is then refused);
 * reset: `reset()` was called, or a connection was refused during the down window;
 * freeze / thaw: a black hole began / ended; close: a connection ended without a reset.
 */
export type FaultEventKind = 'accept' | 'reset' | 'freeze' | 'thaw' | 'close';

export interface FaultEvent {
  kind: FaultEventKind;
  /** Date.now() when it happened. */
  at: number;
}

export interface FaultProxy {
  port: number;
  /** Tears every connection down with a RST on both sides; refuses new ones for `downMs`. */
  reset(downMs: number): void;
  /** Forwards nothing and reads nothing for `ms`; new connections wait until the thaw. */
  freeze(ms: number): void;
  /** True during the window after `reset` in which new connections are refused. */
  isDown(): boolean;
  /** Connections open now, bridged or held by a freeze. */
  activeConnections(): number;
  events: FaultEvent[];
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

interface Connection {
  client: Socket;
  /** null while the connection is held by a freeze. */
  upstream: Socket | null;
  /** A direction whose receiver's buffer is full waits for 'drain' before reading on. */
  waitingDrain: Set<Socket>;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const { targetHost, targetPort, listenHost = '127.0.0.1' } = options;
  const events: FaultEvent[] = [];
  const connections = new Set<Connection>();
  const note = (kind: FaultEventKind) => events.push({ kind, at: Date.now() });
  let downUntil = 0;
  let frozenUntil = 0;
  let thawTimer: NodeJS.Timeout | undefined;
  let afterThaw: Array<() => void> = [];
  let closed = false;

  const isDown = () => Date.now() < downUntil;
  const isFrozen = () => thawTimer !== undefined;
  // Closing a side during a freeze would leak a FIN through the black hole: wait for the thaw.
  const whenThawed = (action: () => void) => {
    if (isFrozen()) afterThaw.push(action);
    else action();
  };

  const forget = (conn: Connection) => {
    if (connections.delete(conn)) note('close');
  };

  const forward = (conn: Connection, from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (!to.write(chunk)) {
        conn.waitingDrain.add(from);
        from.pause();
      }
    });
    to.on('drain', () => {
      conn.waitingDrain.delete(from);
      if (!isFrozen()) from.resume();
    });
    // A side that ends or dies ends the other one too (no half-close): after a clean end
    // the other side gets the bytes still queued and a FIN, after an error a RST.
    from.on('end', () =>
      whenThawed(() => {
        if (!to.destroyed) to.end();
      }));
    from.on('close', (hadError) => {
      whenThawed(() => {
        if (hadError) resetSocket(to);
        else if (!to.destroyed) to.end(() => to.destroy());
      });
      if (to.destroyed) forget(conn);
    });
  };

  const bridge = (conn: Connection) => {
    const upstream = connect({ host: targetHost, port: targetPort });
    upstream.on('error', () => {}); // surfaces as 'close' with hadError, handled in forward
    conn.upstream = upstream;
    // Writes to a socket that is still connecting are queued by Node, so the client's
    // first bytes can be read right away.
    forward(conn, conn.client, upstream);
    forward(conn, upstream, conn.client);
    conn.client.resume();
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    client.on('error', () => {}); // ECONNRESET, EPIPE: the 'close' handlers deal with it
    note('accept');
    if (closed) {
      client.destroy();
      return;
    }
    if (isDown()) {
      note('reset');
      resetSocket(client);
      return;
    }
    const conn: Connection = { client, upstream: null, waitingDrain: new Set() };
    connections.add(conn);
    if (isFrozen()) {
      // Held like a SYN that gets no answer: not read, not connected on, until the thaw.
      // A client that gives up meanwhile is only noticed then, when reading resumes.
      client.once('close', () => {
        if (!conn.upstream) forget(conn);
      });
      return;
    }
    bridge(conn);
  });
  server.on('error', () => {});

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listenHost, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const thaw = () => {
    thawTimer = undefined;
    frozenUntil = 0;
    note('thaw');
    for (const conn of connections) {
      if (!conn.upstream) {
        if (!conn.client.destroyed) bridge(conn);
        continue;
      }
      for (const socket of [conn.client, conn.upstream]) {
        if (socket.writableCorked) socket.uncork();
        if (!conn.waitingDrain.has(socket)) socket.resume();
      }
    }
    const actions = afterThaw;
    afterThaw = [];
    for (const action of actions) action();
  };

  return {
    port,
    events,
    isDown,
    activeConnections: () => connections.size,
    reset(downMs) {
      note('reset');
      downUntil = Math.max(downUntil, Date.now() + downMs);
      for (const conn of connections) {
        resetSocket(conn.client);
        if (conn.upstream) resetSocket(conn.upstream);
      }
      connections.clear();
    },
    freeze(ms) {
      note('freeze');
      frozenUntil = Math.max(frozenUntil, Date.now() + ms);
      if (thawTimer) clearTimeout(thawTimer);
      thawTimer = setTimeout(thaw, frozenUntil - Date.now());
      for (const conn of connections) {
        for (const socket of [conn.client, conn.upstream]) {
          if (!socket || socket.destroyed) continue;
          socket.pause();
          // Holds back what `write` still gets (a chunk read just before the freeze).
          if (!socket.writableCorked) socket.cork();
        }
      }
    },
    async close() {
      closed = true;
      if (thawTimer) clearTimeout(thawTimer);
      thawTimer = undefined;
      afterThaw = [];
      for (const conn of connections) {
        conn.client.destroy();
        conn.upstream?.destroy();
      }
      connections.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** RST instead of FIN (SO_LINGER 0); a socket that is gone already is left alone. */
function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
