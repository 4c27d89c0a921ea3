// Whether a message may be posted, and what its text becomes. Checked in the order a
// person can do something about: who they are and the room's mode, a ban or time-out,
// the text itself, then the rate limits and slow mode (which count only messages that
// would otherwise go out).
import type {
  ChatAuthor,
  ChatRefusalCode,
  ChatRole,
  ChatSettings,
  ChatYou,
} from '../../core/wire/chat.ts';
import type { EdgeDeps } from '../deps.ts';
import { liveKeys } from '../live_keys.ts';
import { activeBan } from './moderation.ts';
import { isCrewChannel } from './channels.ts';

export interface Refusal {
  code: ChatRefusalCode;
  message: string;
  retryAfterSeconds?: number;
}

const MODERATOR_ROLES: readonly ChatRole[] = ['admin', 'operator', 'moderator'];

export function canModerate(author: ChatAuthor | null): boolean {
  return author !== null && MODERATOR_ROLES.includes(author.role);
}

/**
 * What a message's text becomes: line breaks to spaces, control and bidirectional-override
 * characters removed (they could make a message look like someone else's), trimmed.
 */
export function cleanText(text: string): string {
  return text
    .replace(/\r\n|[\r\n\u2028\u2029]/g, ' ')
    // C0/C1 controls, bidi embeddings/overrides/isolates and marks.
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f]/g, '')
    .trim();
}

const LINK =
  /\b(?:https?:\/\/|ftp:\/\/|www\.)\S|\b[a-z0-9-]{1,63}\.(?:com|org|net|io|co|me|ly|gg|tv|xyz|info|biz|app|dev|link|ru|de|uk|fr|to|be|cc|site|online|live|shop|top)\b(?:\/|\s|$)/i;

export function hasLink(text: string): boolean {
  return LINK.test(text);
}

/** Whether `author` may post in a channel with these settings, before looking at a text. */
export async function mayPost(
  deps: EdgeDeps,
  channel: string,
  author: ChatAuthor | null,
  settings: ChatSettings,
): Promise<Refusal | null> {
  if (!author) {
    return {
      code: 'not_allowed',
      message: settings.guests ? 'join the chat to post' : 'sign in to chat',
    };
  }
  if (canModerate(author)) return null;
  if (isCrewChannel(channel)) return null; // only crew can join it at all
  if (settings.mode === 'off') return { code: 'chat_off', message: 'chat is off in this room' };
  if (author.role === 'guest' && (settings.mode === 'members' || !settings.guests)) {
    return { code: 'not_allowed', message: 'only signed-in viewers can chat here; sign in' };
  }
  const ban = await activeBan(deps, channel, author.id);
  if (ban) {
    if (ban.until === null) return { code: 'banned', message: 'you are banned from this chat' };
    const seconds = Math.ceil((ban.until - deps.now()) / 1000);
    return {
      code: 'timed_out',
      message: `you are timed out for ${seconds} s more`,
      retryAfterSeconds: seconds,
    };
  }
  return null;
}

/** The checks of one message's text and the limits; the cleaned text when it may go out. */
export async function checkMessage(
  deps: EdgeDeps,
  input: { channel: string; author: ChatAuthor; addr: string; text: string },
  settings: ChatSettings,
): Promise<{ ok: true; text: string } | { ok: false; refusal: Refusal }> {
  const refuse = (refusal: Refusal) => ({ ok: false as const, refusal });
  const text = cleanText(input.text);
  if (!text) return refuse({ code: 'empty', message: 'the message is empty' });
  const length = [...text].length;
  if (length > settings.maxLength) {
    return refuse({
      code: 'too_long',
      message: `the message is ${length} characters; at most ${settings.maxLength}`,
    });
  }
  const moderator = canModerate(input.author);
  if (!moderator && hasLink(text)) {
    if (settings.links === 'block') {
      return refuse({ code: 'link_not_allowed', message: 'links are not allowed in this chat' });
    }
    if (settings.links === 'members' && input.author.role === 'guest') {
      return refuse({ code: 'link_not_allowed', message: 'sign in to post links' });
    }
  }
  const { perUser, perAddress } = deps.settings.chat;
  for (
    const [key, limit] of [
      [liveKeys.chatAuthorRate(input.author.id), perUser],
      [liveKeys.chatAddressRate(input.addr), perAddress],
    ] as const
  ) {
    const count = await failOpen(deps, () => deps.store.incrWithin(key, limit.seconds * 1000), 0);
    if (count > limit.messages) {
      return refuse({
        code: 'rate_limited',
        message: `too many messages: at most ${limit.messages} in ${limit.seconds} s`,
        retryAfterSeconds: limit.seconds,
      });
    }
  }
  if (!moderator && settings.slowModeSeconds > 0) {
    const first = await failOpen(
      deps,
      () =>
        deps.store.set(liveKeys.chatSlowMode(input.channel, input.author.id), '1', {
          ttlMs: settings.slowModeSeconds * 1000,
          onlyIfAbsent: true,
        }),
      true,
    );
    if (!first) {
      return refuse({
        code: 'slow_mode',
        message: `slow mode: one message every ${settings.slowModeSeconds} s`,
        retryAfterSeconds: settings.slowModeSeconds,
      });
    }
  }
  return { ok: true, text };
}

/**
 * The limits live in the live store (Redis with several edges). While it is down a
 * message goes out unlimited rather than not at all: a few seconds without rate limits
 * hurt less than a chat that refuses everyone.
 */
async function failOpen<T>(deps: EdgeDeps, check: () => Promise<T>, open: T): Promise<T> {
  try {
    return await check();
  } catch (error) {
    deps.log.warn('chat limits skipped: the live store failed', { error: String(error) });
    return open;
  }
}

/** What the chat box shows the person: may they post, and if not, why. */
export async function describeYou(
  deps: EdgeDeps,
  channel: string,
  author: ChatAuthor | null,
  settings: ChatSettings,
): Promise<ChatYou> {
  const refusal = await mayPost(deps, channel, author, settings);
  return {
    author,
    canPost: refusal === null,
    reason: refusal?.message ?? null,
    canModerate: canModerate(author),
  };
}
