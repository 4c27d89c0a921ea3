// What the chat column shows, as a value: the messages (oldest first, one per seq), the last
// entry applied (where a reconnect resumes), the room's chat settings and who we are.
// Frames go in, a new value comes out; nothing here knows about sockets or the DOM.
//
// The edge numbers every entry of a channel (message, delete, settings) and sends them in
// order on one connection, so "already applied" is simply `seq <= cursor`: an entry that
// comes twice (a replay that overlaps, a resume from an older point) changes nothing.
import type {
  ChatEntry,
  ChatMessage,
  ChatServerFrame,
  ChatSettings,
  ChatYou,
} from '../../../core/wire/chat.ts';

export type ChatWelcome = Extract<ChatServerFrame, { type: 'welcome' }>;

/**
 * The most messages kept. A long evening would otherwise grow the page without end; more
 * than the 200 of a join so that what someone scrolled back to read stays for a while.
 */
export const MAX_SHOWN = 500;

export interface ChatLog {
  /** Oldest first, seq strictly increasing. */
  messages: readonly ChatMessage[];
  /** The seq of the last entry applied; null before the first welcome (join with history). */
  cursor: number | null;
  settings: ChatSettings | null;
  you: ChatYou | null;
  /** The settings `you` was worked out with by the edge (those of the welcome). */
  youSettings: ChatSettings | null;
}

export const EMPTY_LOG: ChatLog = {
  messages: [],
  cursor: null,
  settings: null,
  you: null,
  youSettings: null,
};

/**
 * A welcome. `resumed`: the connection asked for what came after our cursor. Then, unless
 * the edge says `reset` (our point is too old), what we show stays and the missed entries
 * follow as entries. Otherwise the history replaces everything and the cursor starts at
 * the edge's.
 */
export function applyWelcome(log: ChatLog, welcome: ChatWelcome, resumed: boolean): ChatLog {
  const who = { settings: welcome.settings, you: welcome.you, youSettings: welcome.settings };
  if (resumed && !welcome.reset && log.cursor !== null) return { ...log, ...who };
  return { ...who, messages: ordered(welcome.history), cursor: welcome.cursor };
}

/** Entries in the order they came; those at or before the cursor are repeats and skipped. */
export function applyEntries(log: ChatLog, entries: readonly ChatEntry[]): ChatLog {
  let { messages, cursor, settings } = log;
  let changed = false;
  for (const entry of entries) {
    if (cursor !== null && entry.seq <= cursor) continue;
    cursor = entry.seq;
    changed = true;
    switch (entry.kind) {
      case 'message':
        messages = withMessage(messages, entry);
        break;
      case 'delete':
        messages = messages.filter((message) => message.seq !== entry.target);
        break;
      case 'settings':
        settings = entry.settings;
        break;
    }
  }
  if (!changed) return log;
  return { ...log, messages: messages.slice(-MAX_SHOWN), cursor, settings };
}

function withMessage(messages: readonly ChatMessage[], message: ChatMessage) {
  const last = messages.at(-1);
  // The usual case: newer than everything shown.
  if (!last || last.seq < message.seq) return [...messages, message];
  if (messages.some((shown) => shown.seq === message.seq)) return messages;
  return ordered([...messages, message]);
}

/** Sorted by seq, one message per seq, at most MAX_SHOWN (the newest). */
function ordered(messages: readonly ChatMessage[]): ChatMessage[] {
  const bySeq = new Map(messages.map((message) => [message.seq, message]));
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-MAX_SHOWN);
}
