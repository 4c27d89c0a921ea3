// Durable data of the edge (libSQL through drizzle). Live, fast-changing state (node
// liveness, viewer counts, rate limits) lives in the LiveStore instead. Times are unix
// milliseconds. Secrets are never stored in a form that can be used: stream keys and API
// tokens as SHA-256 hashes (they are long random values), passwords as PBKDF2. The one
// exception is better-auth's browser session token, which it keeps as is and only ever
// hands out signed (HMAC with the cluster-derived auth secret) in an HttpOnly cookie.
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * admin: everything; operator: runs events and rooms; moderator: moderates chat everywhere;
 * streamer: publishes to the rooms it owns (approved by an admin first); viewer: signed in.
 */
export const ROLES = ['admin', 'operator', 'moderator', 'streamer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** A viewer's request to stream, decided by an admin before any stream key is issued. */
export const STREAMER_STATES = ['pending', 'approved', 'refused'] as const;
export type StreamerState = (typeof STREAMER_STATES)[number];

// Accounts are better-auth's users (edge/auth/accounts_auth.ts maps its models onto these
// tables), so its sign-up, verification and reset write the rows the rest of the edge reads.
// Its dates are `timestamp_ms` (stored as unix milliseconds like every other time here).
const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });

export const accounts = sqliteTable('accounts', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull().default(''),
  role: text('role', { enum: ROLES }).notNull(),
  emailVerified: integer('email_verified', { mode: 'boolean' }).notNull().default(false),
  image: text('image'),
  /** Null until the account asks to stream; then pending until an admin decides. */
  streamerState: text('streamer_state', { enum: STREAMER_STATES }),
  /** The room the applicant asked for (id and title); created on approval. */
  streamerRoomId: text('streamer_room_id'),
  streamerRoomTitle: text('streamer_room_title'),
  /** Billing plan (edge.billing.plans); the default plan when null. */
  plan: text('plan'),
  createdAt: timestamp('created_at').notNull(),
  updatedAt: timestamp('updated_at'),
  disabledAt: integer('disabled_at'),
});

/** Passwords (better-auth's `account` model, provider `credential`): PBKDF2 hashes. */
export const authCredentials = sqliteTable('auth_credentials', {
  id: text('id').primaryKey(),
  accountId: text('provider_account_id').notNull(),
  providerId: text('provider_id').notNull(),
  userId: text('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  accessToken: text('access_token'),
  refreshToken: text('refresh_token'),
  idToken: text('id_token'),
  accessTokenExpiresAt: timestamp('access_token_expires_at'),
  refreshTokenExpiresAt: timestamp('refresh_token_expires_at'),
  scope: text('scope'),
  password: text('password'),
  createdAt: timestamp('created_at').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
}, (table) => [index('auth_credentials_account_idx').on(table.userId)]);

/** Browser sessions of the pages (better-auth's `session` model), behind a signed cookie. */
export const webSessions = sqliteTable('web_sessions', {
  id: text('id').primaryKey(),
  token: text('token').notNull().unique(),
  userId: text('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  expiresAt: timestamp('expires_at').notNull(),
  ipAddress: text('ip_address'),
  userAgent: text('user_agent'),
  createdAt: timestamp('created_at').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
}, (table) => [index('web_sessions_account_idx').on(table.userId)]);

/** Email verification and password reset tokens (better-auth's `verification` model). */
export const authVerifications = sqliteTable('auth_verifications', {
  id: text('id').primaryKey(),
  identifier: text('identifier').notNull(),
  value: text('value').notNull(),
  expiresAt: timestamp('expires_at').notNull(),
  createdAt: timestamp('created_at'),
  updatedAt: timestamp('updated_at'),
}, (table) => [index('auth_verifications_identifier_idx').on(table.identifier)]);

/** CLI logins and API tokens: the bearer token is shown once, only its hash is kept. */
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
  /** An operator ended it from the control room or the API. */
  'ended',
  /** An operator moved the room to another encoder; the publisher reconnects there. */
  'moved',
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
  /** What the streamer reads about a cut-off ("out of credits", "the plan's 30 minutes"). */
  endDetail: text('end_detail'),
  /** Renditions billed per minute, fixed at the first metered minute. */
  renditions: integer('renditions'),
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

/**
 * Billing: an append-only ledger of credits per account. A balance is the sum of its
 * entries, never a stored number, so nothing can drift from the history. Each entry has
 * the idempotency key of what caused it (`session:<id>:minute:<n>`, `checkout:<id>`): a
 * meter update or a payment webhook replayed, retried or delivered twice lands once.
 * `delta` is in milli-credits (whole numbers: no float rounding in sums).
 */
export const LEDGER_KINDS = ['purchase', 'grant', 'publish', 'viewing', 'refund'] as const;
export const ledgerEntries = sqliteTable('ledger_entries', {
  id: text('id').primaryKey(),
  key: text('key').notNull().unique(),
  accountId: text('account_id').notNull().references(() => accounts.id, {
    onDelete: 'restrict',
  }),
  kind: text('kind', { enum: LEDGER_KINDS }).notNull(),
  /** Positive: credits in; negative: credits used. */
  delta: integer('delta').notNull(),
  /** What a person reads on the usage page ("Main Hall, 1 min × 3 renditions"). */
  memo: text('memo').notNull().default(''),
  at: integer('at').notNull(),
}, (table) => [index('ledger_entries_account_idx').on(table.accountId, table.at)]);

/** What the alert rules watch (edge/alerts/rules.ts). */
export const ALERT_RULES = [
  'silence',
  'outputBlack',
  'outputFrozen',
  'uplinkLost',
  'nodeStale',
  'watchdogEscalated',
  'keyLeak',
] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

/**
 * One alert, from the moment its rule first held to when it stopped holding. At most one
 * open alert per `key` (rule + subject): the partial unique index is what lets several edge
 * instances evaluate the same rules while only one of them opens (and notifies) each alert.
 */
export const alerts = sqliteTable('alerts', {
  id: text('id').primaryKey(),
  /** `<rule>:<subject>`, e.g. `silence:room:main-hall`, `nodeStale:node:encoder-1`. */
  key: text('key').notNull(),
  rule: text('rule', { enum: ALERT_RULES }).notNull(),
  severity: text('severity', { enum: ['warning', 'critical'] }).notNull(),
  roomId: text('room_id'),
  nodeId: text('node_id'),
  /** In operator words: "no sound for 14 s". */
  message: text('message').notNull(),
  firedAt: integer('fired_at').notNull(),
  resolvedAt: integer('resolved_at'),
  acknowledgedAt: integer('acknowledged_at'),
  acknowledgedBy: text('acknowledged_by'),
}, (table) => [
  uniqueIndex('alerts_open_key_idx').on(table.key).where(sql`resolved_at IS NULL`),
  index('alerts_fired_idx').on(table.firedAt),
]);

export const DELIVERY_STATES = ['pending', 'delivered', 'dead'] as const;

/**
 * The webhook outbox: one row per alert change and receiver. Any edge delivers due rows
 * (claiming each for a while first), so a delivery survives a restart; a row out of
 * attempts is `dead` and stays listed until an operator retries it.
 */
export const alertDeliveries = sqliteTable('alert_deliveries', {
  id: text('id').primaryKey(),
  alertId: text('alert_id').notNull().references(() => alerts.id, { onDelete: 'cascade' }),
  webhook: text('webhook').notNull(),
  change: text('change', { enum: ['fired', 'resolved'] }).notNull(),
  state: text('state', { enum: DELIVERY_STATES }).notNull(),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: integer('next_attempt_at').notNull(),
  /** Held by an edge until then; null or past: free to take. */
  claimedUntil: integer('claimed_until'),
  /** Why the last attempt failed ("HTTP 500", "timed out after 5 s"), never the URL. */
  lastError: text('last_error'),
  createdAt: integer('created_at').notNull(),
  deliveredAt: integer('delivered_at'),
}, (table) => [
  index('alert_deliveries_due_idx').on(table.state, table.nextAttemptAt),
  uniqueIndex('alert_deliveries_once_idx').on(table.alertId, table.webhook, table.change),
]);
