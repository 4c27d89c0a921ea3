// Durable data of the edge (libSQL through drizzle). Live, fast-changing state (node
// liveness, viewer counts, rate limits) lives in the LiveStore instead. Times are unix
// milliseconds. Secrets are never stored in a form that can be used: stream keys and
// session tokens as SHA-256 hashes (they are long random values), passwords as PBKDF2.
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * admin: everything; operator: runs events and rooms; moderator: moderates chat everywhere;
 * owner: a room's crew; viewer: a signed-in viewer.
 */
export const ROLES = ['admin', 'operator', 'moderator', 'owner', 'viewer'] as const;
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

// Chat. Every channel (`room:<id>` for a room's viewers, `crew:<event id>` for its crew)
// is one ordered log: `chat_channels.last_seq` numbers its entries, bumped in the same
// transaction that adds the entry, so an entry that is visible has every smaller number
// visible too (what lets an edge fill a gap from here when fan-out missed something).

export const chatChannels = sqliteTable('chat_channels', {
  channel: text('channel').primaryKey(),
  lastSeq: integer('last_seq').notNull(),
  /** JSON ChatSettings (core/wire/chat.ts) the moderators set; null = the defaults. */
  settingsJson: text('settings_json'),
});

export const CHAT_ENTRY_KINDS = ['message', 'delete', 'settings'] as const;
export const chatEntries = sqliteTable('chat_entries', {
  channel: text('channel').notNull(),
  seq: integer('seq').notNull(),
  kind: text('kind', { enum: CHAT_ENTRY_KINDS }).notNull(),
  at: integer('at').notNull(),
  /** Messages: who wrote it, as the edge knew them then. */
  authorId: text('author_id'),
  authorName: text('author_name'),
  authorRole: text('author_role'),
  text: text('text'),
  /** Where the message came from, for per-address moderation; never shown to viewers. */
  addr: text('addr'),
  /** Deletes: the seq of the message deleted. Settings: the JSON settings. */
  target: integer('target'),
  settingsJson: text('settings_json'),
  /** Set on a message when a later delete entry removed it. */
  deletedAt: integer('deleted_at'),
}, (table) => [
  uniqueIndex('chat_entries_channel_seq').on(table.channel, table.seq),
  index('chat_entries_at_idx').on(table.at),
]);

/** Bans and time-outs: `until` null = for good. Per channel, or `*` for every channel. */
export const chatBans = sqliteTable('chat_bans', {
  id: text('id').primaryKey(),
  channel: text('channel').notNull(),
  /** A ChatAuthor id (`a:…` or `g:…`). */
  subject: text('subject').notNull(),
  until: integer('until'),
  reason: text('reason').notNull().default(''),
  byAccountId: text('by_account_id').notNull(),
  createdAt: integer('created_at').notNull(),
  liftedAt: integer('lifted_at'),
}, (table) => [index('chat_bans_subject_idx').on(table.subject, table.channel)]);

export const CHAT_ACTIONS = ['delete', 'timeout', 'ban', 'unban', 'settings'] as const;
export const chatModerationLog = sqliteTable('chat_moderation_log', {
  id: text('id').primaryKey(),
  channel: text('channel').notNull(),
  action: text('action', { enum: CHAT_ACTIONS }).notNull(),
  byAccountId: text('by_account_id').notNull(),
  byName: text('by_name').notNull(),
  subject: text('subject'),
  /** The message acted on (delete), the ban's end (timeout), the new settings (settings). */
  detail: text('detail').notNull().default(''),
  reason: text('reason').notNull().default(''),
  at: integer('at').notNull(),
}, (table) => [index('chat_moderation_log_channel_idx').on(table.channel, table.at)]);
