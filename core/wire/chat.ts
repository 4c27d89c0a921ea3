// Chat on the wire: what the edge sends to chat clients (WebSocket frames, or SSE events
// with the same JSON) and what a client may send. Shared by the edge and the watch page.
//
// Every channel is one ordered log: each entry has the channel's next sequence number
// (`seq`), a message or what happened to one (deleted) or to the channel (its settings).
// A client remembers the last `seq` it saw and resumes after it, so a reconnect loses
// nothing and repeats nothing. Names, roles and ids always come from the edge, never from
// what a client sends.
import { z } from 'zod';

export const CHAT_ROLES = [
  'admin',
  'operator',
  'moderator',
  'streamer',
  'viewer',
  'guest',
] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

/** Who may talk: everyone the event allows, signed-in accounts only, or nobody. */
export const CHAT_MODES = ['open', 'members', 'off'] as const;
export type ChatMode = (typeof CHAT_MODES)[number];

/** Links in messages: allowed, allowed for signed-in accounts only, or refused. */
export const LINK_POLICIES = ['allow', 'members', 'block'] as const;
export type LinkPolicy = (typeof LINK_POLICIES)[number];

export const CHAT_MAX_LENGTH = 500;
/** Messages a client gets on joining without a resume point. */
export const CHAT_HISTORY_ON_JOIN = 200;

export interface ChatAuthor {
  /** `a:<account id>` or `g:<guest id>`: stable per person, never an email. */
  id: string;
  name: string;
  role: ChatRole;
}

export interface ChatSettings {
  mode: ChatMode;
  /** Seconds between two messages of one person; 0 = off. */
  slowModeSeconds: number;
  links: LinkPolicy;
  /** Whether people without an account may post (under a guest name). */
  guests: boolean;
  maxLength: number;
}

/**
 * Settings as a moderator (PATCH …/settings) or an event file (defaults.chat, a room's
 * chat:) sets them: any of the keys, each checked; what is left out stays as it was.
 */
export const chatSettingsFieldsSchema = z.strictObject({
  mode: z.enum(CHAT_MODES, { error: `must be one of ${CHAT_MODES.join(', ')}` }).optional(),
  slowModeSeconds: z.number({ error: 'must be a number' }).int({ error: 'must be whole' }).min(0, {
    error: 'must be 0-3600',
  }).max(3600, { error: 'must be 0-3600' }).optional(),
  links: z.enum(LINK_POLICIES, { error: `must be one of ${LINK_POLICIES.join(', ')}` })
    .optional(),
  guests: z.boolean({ error: 'must be true or false' }).optional(),
  maxLength: z.number({ error: 'must be a number' }).int({ error: 'must be whole' }).min(1, {
    error: `must be 1-${CHAT_MAX_LENGTH}`,
  }).max(CHAT_MAX_LENGTH, { error: `must be 1-${CHAT_MAX_LENGTH}` }).optional(),
});
export type ChatSettingsPatch = z.infer<typeof chatSettingsFieldsSchema>;

export type ChatEntry =
  | {
    kind: 'message';
    channel: string;
    seq: number;
    /** Unix ms. */
    at: number;
    author: ChatAuthor;
    text: string;
  }
  | { kind: 'delete'; channel: string; seq: number; at: number; target: number }
  | { kind: 'settings'; channel: string; seq: number; at: number; settings: ChatSettings };

export type ChatMessage = Extract<ChatEntry, { kind: 'message' }>;

/** What the person on this connection is, and whether (and why not) they may post. */
export interface ChatYou {
  author: ChatAuthor | null;
  canPost: boolean;
  /** Why not, in words for the chat box ("sign in to chat", "banned until …"). */
  reason: string | null;
  canModerate: boolean;
}

export type ChatServerFrame =
  | {
    type: 'welcome';
    channel: string;
    you: ChatYou;
    settings: ChatSettings;
    /** The last messages, oldest first; empty when the client resumed. */
    history: ChatMessage[];
    /** True when the client's resume point was too old: drop what it shows, use `history`. */
    reset: boolean;
    /**
     * The channel's newest entry as of this welcome. Without a resume (or on a reset) the
     * client starts here; when it resumed, the entries it missed follow as `entry` frames.
     */
    cursor: number;
  }
  | { type: 'entry'; entry: ChatEntry }
  /** Several entries at once, in order (a busy channel sends at most one frame per 25 ms). */
  | { type: 'entries'; entries: ChatEntry[] }
  | { type: 'sent'; nonce: string; seq: number }
  | {
    type: 'refused';
    nonce: string | null;
    code: ChatRefusalCode;
    message: string;
    retryAfterSeconds?: number;
  };

export const CHAT_REFUSAL_CODES = [
  'bad_frame',
  'not_allowed',
  'banned',
  'timed_out',
  'slow_mode',
  'rate_limited',
  'too_long',
  'empty',
  'link_not_allowed',
  'chat_off',
] as const;
export type ChatRefusalCode = (typeof CHAT_REFUSAL_CODES)[number];

/**
 * A client pings this often on an open socket: proxies and load balancers close
 * connections that are quiet for a minute or so, and a room's chat can be quiet far longer.
 */
export const CHAT_PING_MS = 25_000;
/**
 * The edge closes a socket it has heard nothing on for this long: the peer is gone (a
 * laptop lid closed, a network that dropped without a goodbye) and only its buffers remain.
 */
export const CHAT_SILENT_CLOSE_MS = 3 * CHAT_PING_MS + 15_000;

/** A nonce lets a client match `sent`/`refused` to what it sent; any short token. */
const nonce = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, {
  error: 'must be 1-64 letters, digits, _ or -',
});

/** The text of a message as a client sends it (length is checked with the channel's limit). */
export const chatTextSchema = z.string({ error: 'must be a string' });

export const chatClientFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('send'), nonce, text: chatTextSchema }),
  z.strictObject({ type: z.literal('ping') }),
], { error: "must be an object with type 'send' or 'ping'" });
export type ChatClientFrame = z.infer<typeof chatClientFrameSchema>;
