// Everything the edge app needs, passed in one object (no module-level singletons), so
// the same app runs on Node, on Deno and in tests with other collaborators.
import type { Logger } from '../core/log.ts';
import type { RoomcastConfig } from '../core/config/schema.ts';
import type { AccountsAuth } from './auth/accounts_auth.ts';
import type { Database } from './db/client.ts';
import type { Mailer } from './mail/mailer.ts';
import type { EdgeMetrics } from './metrics/edge_metrics.ts';
import type { LiveStore } from './store/store.ts';

/** The parts of the `edge` config section the app itself reads. */
export interface EdgeSettings {
  publicUrl: string;
  corsOrigins: string[];
  maxBodyBytes: number;
  nodes: { heartbeatIntervalSeconds: number; downAfterSeconds: number };
  playbackTokenTtlSeconds: number;
  /** How long a dropped publisher is waited for (slate, "back soon") before the room ends. */
  reconnectWindowSeconds: number;
  signatureMaxSkewSeconds: number;
  publishAuth: { maxFailuresPerWindow: number; windowSeconds: number };
  sessionTtlHours: number;
  metrics: RoomcastConfig['edge']['metrics'];
  chat: RoomcastConfig['edge']['chat'];
  accounts: RoomcastConfig['edge']['accounts'];
  billing: RoomcastConfig['edge']['billing'];
  alerts: RoomcastConfig['edge']['alerts'];
}

export interface EdgeDeps {
  db: Database;
  store: LiveStore;
  settings: EdgeSettings;
  /** Node secrets are derived from it; never logged, never sent. */
  clusterSecret: string;
  log: Logger;
  softwareVersion: string;
  /** Unix milliseconds; injectable so tests can move time. */
  now: () => number;
  mailer: Mailer;
  /** better-auth over the same database: sign-up, sign-in, verification, reset. */
  auth: AccountsAuth;
  /** This edge's Prometheus metrics (GET /metrics). */
  metrics: EdgeMetrics;
}

/** Everything but the accounts library, which is built from the rest (withAccounts). */
export type BaseEdgeDeps = Omit<EdgeDeps, 'auth'>;
