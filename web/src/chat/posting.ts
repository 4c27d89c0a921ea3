// Whether the person may write here, and what the chat box offers instead when not: the
// edge's rules (edge/chat/policy.ts mayPost) as the box needs them. The edge says it in
// the welcome (`you.canPost`), but settings change live (a moderator turns chat off or
// guests away) and nobody reconnects for that; so what follows from the settings is worked
// out here, and only what they cannot explain (a ban, a time-out) is taken from the welcome.
import type { ChatSettings, ChatYou } from '../../../core/wire/chat.ts';

export type Posting =
  | { kind: 'ready' }
  /** Chat is off in this room. */
  | { kind: 'off' }
  /** Only signed-in accounts may post (members mode, or guests turned away). */
  | { kind: 'membersOnly' }
  /** No identity yet, and guests may post: the "Join chat" button. */
  | { kind: 'join' }
  /** No identity, no guests: an account is needed. */
  | { kind: 'signIn' }
  /** Banned or timed out: the edge's words. */
  | { kind: 'blocked'; reason: string };

/** What the settings alone say about `you`; null: nothing against posting. */
function bySettings(you: ChatYou, settings: ChatSettings): Posting | null {
  if (you.canModerate) return null;
  if (settings.mode === 'off') return { kind: 'off' };
  const author = you.author;
  if (!author) {
    if (settings.mode === 'open' && settings.guests) return { kind: 'join' };
    return settings.mode === 'members' ? { kind: 'membersOnly' } : { kind: 'signIn' };
  }
  if (author.role === 'guest' && (settings.mode === 'members' || !settings.guests)) {
    return { kind: 'membersOnly' };
  }
  return null;
}

/** `youSettings`: the settings of the welcome that brought `you`. */
export function postingState(
  you: ChatYou,
  settings: ChatSettings,
  youSettings: ChatSettings,
): Posting {
  const now = bySettings(you, settings);
  if (now) return now;
  // Refused at the welcome although its settings allowed it: something about the person.
  if (!you.canPost && bySettings(you, youSettings) === null) {
    return { kind: 'blocked', reason: you.reason ?? 'you cannot post in this chat' };
  }
  return { kind: 'ready' };
}

/**
 * Characters as the edge counts them against `maxLength`: code points (an emoji is one),
 * after trimming. The edge also drops invisible control and bidi characters first, so its
 * count can only be lower; its refusal, not this count, decides.
 */
export function characterCount(text: string): number {
  return [...text.trim()].length;
}

/** A refusal or failure under the input; `retryAt` (ms) when the edge said when to retry. */
export interface Notice {
  text: string;
  retryAt: number | null;
}

export function noticeOf(message: string, retryAfterSeconds: number | undefined, nowMs: number) {
  return {
    text: sentence(message),
    retryAt: retryAfterSeconds ? nowMs + retryAfterSeconds * 1000 : null,
  };
}

/** The notice in words at `nowMs`, with the wait still left. */
export function noticeText(notice: Notice, nowMs: number): string {
  if (notice.retryAt === null) return notice.text;
  const seconds = Math.ceil((notice.retryAt - nowMs) / 1000);
  return seconds > 0 ? `${notice.text} Try again in ${seconds} s.` : notice.text;
}

/** The edge writes refusals in lower case without a stop ("slow mode: one message every 5 s"). */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
