// The edge on Deno (Deno Deploy or `deno run`): the same app as on Node.
//   deno run --allow-all edge/main_deno.ts
// Config comes from ROOMCAST_* environment variables (and ROOMCAST_CONFIG for a file).
import { ConfigError, loadConfig } from '../core/config/load_file.ts';
import { createLogger } from '../core/log.ts';
import { getConnInfo, upgradeWebSocket } from 'hono/deno';
import type { ChatRuntime } from './routes/chat.ts';
import { type HostFiles, startEdge } from './start.ts';

/** Chat's WebSockets and peer addresses on Deno (Hono's Deno helpers). */
export const denoChatRuntime: ChatRuntime = {
  upgradeWebSocket,
  remoteAddress: (c) => getConnInfo(c).remote.address ?? '',
};

const denoFiles: HostFiles = {
  ensureDir: (path) => Deno.mkdir(path, { recursive: true, mode: 0o700 }),
  readText: async (path) => {
    try {
      return await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  },
  writeSecret: async (path, text) => {
    await Deno.writeTextFile(path, text, { mode: 0o600 });
    await Deno.chmod(path, 0o600);
  },
  pages: {
    read: async (path) => {
      try {
        return await Deno.readFile(new URL(path, new URL('../web/dist/', import.meta.url)));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) {
          return null;
        }
        throw error;
      }
    },
  },
};

async function main(): Promise<void> {
  let config;
  try {
    config = await loadConfig({ env: Deno.env.toObject() });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      Deno.exit(2);
    }
    throw error;
  }
  const log = createLogger({ component: 'edge', level: config.log.level, json: config.log.json });
  const edge = await startEdge(config, {
    files: denoFiles,
    log,
    runtime: denoChatRuntime,
    bootstrap: {
      email: Deno.env.get('ROOMCAST_BOOTSTRAP_ADMIN_EMAIL'),
      password: Deno.env.get('ROOMCAST_BOOTSTRAP_ADMIN_PASSWORD'),
    },
  });
  const { host, port } = config.edge.listen;
  const server = Deno.serve({
    hostname: host,
    port,
    onListen: () => log.info(`edge listening on http://${host}:${port} (Deno)`),
  }, edge.app.fetch);
  const stop = async () => {
    // Open keep-alive connections would hold shutdown() forever; give them a moment.
    await Promise.race([server.shutdown(), new Promise((resolve) => setTimeout(resolve, 2000))]);
    await edge.close();
    Deno.exit(0);
  };
  Deno.addSignalListener('SIGINT', stop);
  Deno.addSignalListener('SIGTERM', stop);
}

if (import.meta.main) await main();
