// Builds a running edge from config, the same on every runtime: database (migrated),
// live store, cluster secret, first admin. The host's file access comes in from the
// runtime entry (main_node.ts / main_deno.ts), so this file stays runtime-neutral.
import type { Logger } from '../core/log.ts';
import type { RoomcastConfig } from '../core/config/schema.ts';
import { randomBase64Url } from '../core/wire/encoding.ts';
import { SOFTWARE_VERSION } from '../core/version.ts';
import { createApp, type EdgeApp } from './app.ts';
import { openDatabase } from './db/client.ts';
import { applyMigrations } from './db/migrate.ts';
import type { EdgeDeps } from './deps.ts';
import { bootstrapAdmin } from './services/accounts.ts';
import { createMemoryStore } from './store/memory.ts';
import type { PageFiles } from './routes/pages.ts';
import type { LiveStore } from './store/store.ts';
import { createUpstashStore } from './store/upstash.ts';
import { createMailer } from './mail/mailer.ts';
import { createEdgeMetrics } from './metrics/edge_metrics.ts';
import { withAccounts } from './with_accounts.ts';
import { localChatBus, storeChatBus } from './chat/bus.ts';
import { type ChatService, createChatService } from './chat/service.ts';
import type { ChatRuntime } from './routes/chat.ts';
import { startAlertLoop } from './alerts/alert_loop.ts';

/** The few file operations start-up needs, provided by the runtime entry. */
export interface HostFiles {
  ensureDir(path: string): Promise<void>;
  /** File content, or null when it does not exist. */
  readText(path: string): Promise<string | null>;
  /** Writes a file only its owner can read (mode 0600). */
  writeSecret(path: string, text: string): Promise<void>;
  /** The viewer pages built into web/dist, or null where this runtime has none. */
  pages: PageFiles | null;
}

export interface BootstrapInput {
  /** From ROOMCAST_BOOTSTRAP_ADMIN_EMAIL / _PASSWORD; never a default password. */
  email?: string;
  password?: string;
}

export interface StartedEdge {
  app: EdgeApp;
  deps: EdgeDeps;
  chat: ChatService;
  /** Set when this start created the first admin. */
  bootstrapped: { email: string; tokenFile: string } | null;
  close(): Promise<void>;
}

export const ADMIN_TOKEN_FILE = 'admin-token';
const CLUSTER_SECRET_FILE = 'cluster-secret';

export function databaseUrl(config: RoomcastConfig['edge']): string {
  return config.database.url || `file:${config.dataDir}/roomcast.db`;
}

async function clusterSecret(
  config: RoomcastConfig['edge'],
  files: HostFiles,
  log: Logger,
): Promise<string> {
  if (config.clusterSecret) return config.clusterSecret;
  const path = `${config.dataDir}/${CLUSTER_SECRET_FILE}`;
  const existing = (await files.readText(path))?.trim();
  if (existing) return existing;
  const secret = randomBase64Url(32);
  await files.writeSecret(path, `${secret}\n`);
  log.info(
    `generated the cluster secret into ${path}; every edge instance needs the same one (edge.clusterSecret)`,
  );
  return secret;
}

function openStore(config: RoomcastConfig['edge']): LiveStore {
  return config.liveStore.kind === 'upstash'
    ? createUpstashStore({ url: config.liveStore.url, token: config.liveStore.token })
    : createMemoryStore();
}

export async function startEdge(
  config: RoomcastConfig,
  options: { files: HostFiles; log: Logger; bootstrap?: BootstrapInput; runtime?: ChatRuntime },
): Promise<StartedEdge> {
  const { files, log } = options;
  const edge = config.edge;
  await files.ensureDir(edge.dataDir);
  const database = openDatabase({ url: databaseUrl(edge), authToken: edge.database.authToken });
  await database.ready();
  await applyMigrations(database.db);
  const store = openStore(edge);
  const deps: EdgeDeps = await withAccounts({
    db: database.db,
    store,
    settings: edge,
    clusterSecret: await clusterSecret(edge, files, log),
    log,
    softwareVersion: SOFTWARE_VERSION,
    now: () => Date.now(),
    mailer: await createMailer(edge.mail),
    metrics: createEdgeMetrics(SOFTWARE_VERSION),
  });

  const email = options.bootstrap?.email || 'admin@localhost';
  const admin = await bootstrapAdmin(deps, {
    email,
    password: options.bootstrap?.password || undefined,
  });
  const tokenFile = `${edge.dataDir}/${ADMIN_TOKEN_FILE}`;
  if (admin) {
    await files.writeSecret(tokenFile, `${admin.token}\n`);
    log.info(
      `first start: created admin ${email}; its API token is in ${tokenFile} (owner-only). ` +
        'The roomcast CLI on this machine uses it; elsewhere: `roomcast login`.',
    );
  }

  // One edge delivers chat itself; several share it through the live store (Redis).
  const chat = createChatService(
    deps,
    edge.liveStore.kind === 'upstash'
      ? storeChatBus(store, log, { pollMs: edge.chat.fanoutPollMs })
      : localChatBus(),
  );

  const alertLoop = startAlertLoop(deps);

  return {
    app: createApp(deps, files.pages, { chat, runtime: options.runtime }),
    deps,
    chat,
    bootstrapped: admin ? { email, tokenFile } : null,
    close: async () => {
      await alertLoop.stop();
      await chat.close();
      await deps.mailer.close();
      await store.close();
      database.close();
    },
  };
}
