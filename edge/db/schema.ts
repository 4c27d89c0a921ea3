// Durable data of the edge (libSQL through drizzle). Live, fast-changing state (node
// liveness, viewer counts, rate limits) lives in the LiveStore instead. Times are unix
// milliseconds. Secrets are never stored in a form that can be used: stream keys and
// session tokens as SHA-256 hashes (they are long random values), passwords as PBKDF2.
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const ROLES = ['admin', 'operator', 'owner', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const accounts = sqliteTable('accounts', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull().default(''),
  role: text('role', { enum: ROLES }).notNull(),
  /** `pbkdf2-sha256$iterations$salt$hash`, null for token-only accounts. */
  passwordHash: text('password_hash'),
  createdAt: integer('created_at').notNull(),
  disabledAt: integer('disabled_at'),
});

/** Login sessions and API tokens: the bearer token is shown once, only its hash is kept. */
export const authSessions = sqliteTable('auth_sessions', {
  id: text('id').primaryKey(),
  tokenHash: text('token_hash').notNull().unique(),
  accountId: text('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  label: text('label').notNull(),
  createdAt: integer('created_at').notNull(),
  /** Null for API tokens that live until revoked. */
  expiresAt: integer('expires_at'),
  revokedAt: integer('revoked_at'),
});

export const EVENT_STATES = ['scheduled', 'live', 'ended'] as const;
export const events = sqliteTable('events', {
  id: text('id').primaryKey(),
  title: text('title').notNull(),
  state: text('state', { enum: EVENT_STATES }).notNull().default('scheduled'),
  startsAt: integer('starts_at'),
  endsAt: integer('ends_at'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const ROOM_STATES = ['offline', 'live'] as const;
export const rooms = sqliteTable('rooms', {
  /** Public id: names the stream, the HLS folder and the URLs. Never the stream key. */
  id: text('id').primaryKey(),
  eventId: text('event_id').references(() => events.id, { onDelete: 'set null' }),
  title: text('title').notNull(),
  ownerAccountId: text('owner_account_id').references(() => accounts.id, { onDelete: 'set null' }),
  /** Last state the edge decided (publish allowed → live, publish ended → offline). */
  state: text('state', { enum: ROOM_STATES }).notNull().default('offline'),
  /** JSON ladder (core/wire Rendition[]) or null for the encoder's default ladder. */
  ladderJson: text('ladder_json'),
  /**
   * The encoder node the operator pinned the room to (event file `encoder.host`), or null
   * to let the edge place it by load. Removing the node unpins its rooms.
   */
  encoderNodeId: text('encoder_node_id').references(() => nodes.id, { onDelete: 'set null' }),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
}, (table) => [index('rooms_event_idx').on(table.eventId)]);

export const streamKeys = sqliteTable('stream_keys', {
  id: text('id').primaryKey(),
  roomId: text('room_id').notNull().references(() => rooms.id, { onDelete: 'cascade' }),
  keyHash: text('key_hash').notNull().unique(),
  /** First characters of the key, so operators can tell keys apart without seeing one. */
  hint: text('hint').notNull(),
  createdAt: integer('created_at').notNull(),
  revokedAt: integer('revoked_at'),
  lastUsedAt: integer('last_used_at'),
}, (table) => [index('stream_keys_room_idx').on(table.roomId)]);

export const nodes = sqliteTable('nodes', {
  id: text('id').primaryKey(),
  kind: text('kind', { enum: ['encoder', 'collector'] }).notNull(),
  /** Bumped on rotation; the node secret is derived from the cluster secret and this. */
  secretGeneration: integer('secret_generation').notNull().default(1),
  publicUrl: text('public_url'),
  rtmpUrl: text('rtmp_url'),
  capacity: integer('capacity').notNull().default(0),
  softwareVersion: text('software_version'),
  createdAt: integer('created_at').notNull(),
  registeredAt: integer('registered_at'),
  lastHeartbeatAt: integer('last_heartbeat_at'),
});

export const SESSION_END_REASONS = [
  'done',
  'takenOver',
  'cutOff',
  'keyRevoked',
  'nodeDown',
] as const;
export type SessionEndReason = (typeof SESSION_END_REASONS)[number];

/** One RTMP publish, keyed by the node and nginx's client id on it. */
export const publishSessions = sqliteTable('publish_sessions', {
  id: text('id').primaryKey(),
  roomId: text('room_id').notNull().references(() => rooms.id, { onDelete: 'cascade' }),
  streamKeyId: text('stream_key_id').references(() => streamKeys.id, { onDelete: 'set null' }),
  nodeId: text('node_id').notNull(),
  clientId: text('client_id').notNull(),
  addr: text('addr').notNull(),
  startedAt: integer('started_at').notNull(),
  lastSeenAt: integer('last_seen_at').notNull(),
  endedAt: integer('ended_at'),
  endReason: text('end_reason', { enum: SESSION_END_REASONS }),
}, (table) => [
  index('publish_sessions_room_idx').on(table.roomId, table.endedAt),
  // At most one open session per room: the database itself refuses a second.
  uniqueIndex('publish_sessions_one_live_per_room').on(table.roomId).where(sql`ended_at IS NULL`),
]);
