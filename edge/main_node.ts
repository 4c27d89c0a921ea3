// The edge on Node (self-hosted): `roomcast edge`. Serves the app with @hono/node-server
// and stops cleanly on SIGINT/SIGTERM.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { getConnInfo } from '@hono/node-server/conninfo';
import { serve, upgradeWebSocket } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import type { Logger } from '../core/log.ts';
import type { RoomcastConfig } from '../core/config/schema.ts';
import { type BootstrapInput, type HostFiles, type StartedEdge, startEdge } from './start.ts';

/** The built viewer pages (npm run build:web; scripts/setup.sh builds them). */
const WEB_DIST = new URL('../web/dist/', import.meta.url);

export const nodeFiles: HostFiles = {
  ensureDir: async (path) => {
    await mkdir(path, { recursive: true, mode: 0o700 });
  },
  readText: async (path) => {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return null;
      throw error;
    }
  },
  writeSecret: async (path, text) => {
    await writeFile(path, text, { mode: 0o600 });
    await chmod(path, 0o600);
  },
  pages: {
    read: async (path) => {
      try {
        return new Uint8Array(await readFile(new URL(path, WEB_DIST)));
      } catch (error) {
        if (['ENOENT', 'EISDIR'].includes((error as { code?: string }).code ?? '')) return null;
        throw error;
      }
    },
  },
};

export interface RunningEdge extends StartedEdge {
  port: number;
  stop(): Promise<void>;
}

export async function runEdgeOnNode(
  config: RoomcastConfig,
  log: Logger,
  bootstrap: BootstrapInput = {},
): Promise<RunningEdge> {
  const started = await startEdge(config, {
    files: nodeFiles,
    log,
    bootstrap,
    runtime: {
      upgradeWebSocket,
      remoteAddress: (c) => getConnInfo(c).remote.address ?? '',
    },
  });
  const { host, port } = config.edge.listen;
  // Chat's WebSockets: ws handles the protocol, @hono/node-server hands it the upgrades.
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({
      fetch: started.app.fetch,
      hostname: host,
      port,
      websocket: { server: sockets },
    }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  log.info(`edge listening on http://${host}:${boundPort} (public URL ${config.edge.publicUrl})`);
  return {
    ...started,
    port: boundPort,
    stop: async () => {
      // Open sockets would keep server.close() waiting for ever: end them first.
      for (const socket of sockets.clients) socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      sockets.close();
      await started.close();
    },
  };
}
