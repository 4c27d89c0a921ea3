// A whole edge for route tests: real drizzle + libSQL (an in-memory database unless a URL
// is given, e.g. a real sqld), the in-memory live store, a movable clock, a bootstrapped
// admin, and helpers to call routes as an operator or as a signed node — all through
// `app.request()`, no port bound. Runs on Node and Deno.
import { createMemoryLogger } from '../core/log.ts';
import { signRequest } from '../core/wire/signing.ts';
import { createApp } from './app.ts';
import { localChatBus } from './chat/bus.ts';
import { type ChatService, createChatService } from './chat/service.ts';
import type { ChatRuntime } from './routes/chat.ts';
import { openDatabase } from './db/client.ts';
import { applyMigrations } from './db/migrate.ts';
import type { EdgeDeps, EdgeSettings } from './deps.ts';
import { configSchema } from '../core/config/schema.ts';
import { createMailer, type Mailer } from './mail/mailer.ts';
import { createEdgeMetrics } from './metrics/edge_metrics.ts';
import { withAccounts } from './with_accounts.ts';
import { bootstrapAdmin, issueToken, listAccounts } from './services/accounts.ts';
import { createMemoryStore } from './store/memory.ts';
import type { LiveStore } from './store/store.ts';

const DEFAULT_EDGE = configSchema.parse({}).edge;

export const TEST_SETTINGS: EdgeSettings = {
  publicUrl: 'http://edge.test',
  corsOrigins: [],
  maxBodyBytes: 65_536,
  nodes: { heartbeatIntervalSeconds: 5, downAfterSeconds: 15 },
  playbackTokenTtlSeconds: 300,
  reconnectWindowSeconds: 60,
  signatureMaxSkewSeconds: 30,
  publishAuth: { maxFailuresPerWindow: 10, windowSeconds: 60 },
  sessionTtlHours: 12,
  metrics: { token: '' },
  chat: {
    guests: true,
    mode: 'open',
    slowModeSeconds: 0,
    links: 'members',
    maxLength: 500,
    retentionDays: 30,
    perUser: { messages: 5, seconds: 10 },
    perAddress: { messages: 20, seconds: 10 },
    trustForwardedFor: false,
    fanoutPollMs: 20,
  },
  accounts: DEFAULT_EDGE.accounts,
  billing: DEFAULT_EDGE.billing,
  alerts: DEFAULT_EDGE.alerts,
};

async function tokenOfFirstAdmin(deps: EdgeDeps) {
  const admin = (await listAccounts(deps)).find((account) => account.role === 'admin');
  if (!admin) throw new Error('the test database has accounts but no admin');
  return { account: admin, token: (await issueToken(deps, admin.id, 'test', null)).token };
}

export interface TestEdge {
  app: ReturnType<typeof createApp>;
  deps: EdgeDeps;
  adminToken: string;
  logLines: string[];
  chat: ChatService;
  /** Moves the edge's clock (the memory store's TTLs follow it). */
  advance(ms: number): void;
  /** JSON request as an operator (admin token unless another is given). */
  asOperator(method: string, path: string, body?: unknown, token?: string): Promise<Response>;
  /** JSON request signed as a node. */
  asNode(nodeId: string, secret: string, path: string, body: unknown): Promise<Response>;
  close(): Promise<void>;
}

export async function createTestEdge(options: {
  databaseUrl?: string;
  store?: LiveStore;
  settings?: Partial<EdgeSettings>;
  /** WebSockets for chat, when the test serves the app on a real port. */
  runtime?: ChatRuntime;
  /** Where account mails go; default: none (sign-up is then off unless verification is). */
  mailer?: Mailer;
} = {}): Promise<TestEdge> {
  let clock = Date.parse('2026-06-01T09:00:00Z');
  const now = () => clock;
  const url = options.databaseUrl ?? ':memory:';
  const database = openDatabase({ url });
  await database.ready();
  await applyMigrations(database.db);
  const log = createMemoryLogger('edge');
  const deps: EdgeDeps = await withAccounts({
    db: database.db,
    store: options.store ?? createMemoryStore({ now }),
    settings: { ...TEST_SETTINGS, ...options.settings },
    clusterSecret: 'test-cluster-secret-0123456789abcdef0123456789',
    log,
    softwareVersion: '0.0.0-test',
    now,
    mailer: options.mailer ?? await createMailer(DEFAULT_EDGE.mail),
    metrics: createEdgeMetrics('0.0.0-test'),
  });
  const chat = createChatService(deps, localChatBus());
  const app = createApp(deps, null, { chat, runtime: options.runtime });
  // A database given again (an edge restart): its admin gets a fresh token.
  const admin = await bootstrapAdmin(deps, { email: 'admin@example.test' }) ??
    await tokenOfFirstAdmin(deps);

  const asOperator = (method: string, path: string, body?: unknown, token = admin.token) =>
    Promise.resolve(app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }));

  const asNode = async (nodeId: string, secret: string, path: string, body: unknown) => {
    const text = JSON.stringify(body);
    const headers = await signRequest(nodeId, secret, {
      method: 'POST',
      pathWithQuery: path,
      body: text,
    }, clock);
    return app.request(path, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: text,
    });
  };

  return {
    app,
    deps,
    adminToken: admin.token,
    logLines: log.lines,
    advance: (ms) => {
      clock += ms;
    },
    asOperator,
    asNode,
    chat,
    close: async () => {
      await chat.close();
      await deps.store.close();
      database.close();
    },
  };
}
