// How chat entries get from the edge that committed them to the other edges.
// * One edge (the in-memory live store): nothing to do, the hub delivers locally.
// * Several edges (Upstash Redis, or the roomcast bridge in front of redis-server): every
//   edge appends its entries to one live-store stream and reads the others' from it every
//   `pollMs` (the bridge and Upstash's REST API cannot hold a blocking read). When the
//   store is down, appends and reads fail: the hub's database sweep delivers meanwhile,
//   and reading resumes where it stopped (stream ids keep growing across a Redis restart).
import type { ChatEntry } from '../../core/wire/chat.ts';
import type { Logger } from '../../core/log.ts';
import { liveKeys } from '../live_keys.ts';
import type { LiveStore } from '../store/store.ts';

export interface ChatBus {
  /** Called once by the hub with where entries from other edges go. */
  start(onEntry: (entry: ChatEntry) => void): void;
  publish(entry: ChatEntry): void;
  /** Entries of channels nobody watches here are not worth parsing. */
  watch(channel: string): void;
  unwatch(channel: string): void;
  close(): Promise<void>;
}

export function localChatBus(): ChatBus {
  return { start() {}, publish() {}, watch() {}, unwatch() {}, close: async () => {} };
}

/** Entries kept in the stream: a reader that falls further behind reads the database. */
const STREAM_LENGTH = 10_000;
const STREAM_TTL_MS = 24 * 3_600_000;
const READ_COUNT = 500;

export function storeChatBus(
  store: LiveStore,
  log: Logger,
  options: { pollMs: number },
): ChatBus {
  const watched = new Map<string, number>();
  let onEntry: (entry: ChatEntry) => void = () => {};
  let cursor: string | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let reading: Promise<void> = Promise.resolve();
  let closed = false;
  let failing = false;

  /** Logs the first failure of an outage and its end, not every poll in between. */
  const outage = (what: string, error?: unknown) => {
    if (error !== undefined && !failing) {
      failing = true;
      log.warn(
        `chat fan-out: the live store failed (${what}); messages from other edges come from ` +
          'the database until it is back',
        { error: String(error) },
      );
    } else if (error === undefined && failing) {
      failing = false;
      log.info('chat fan-out: the live store answers again');
    }
  };

  const readOnce = async () => {
    try {
      cursor ??= await store.streamLastId(liveKeys.chatFanout);
      for (;;) {
        const entries = await store.streamRead(
          [{ key: liveKeys.chatFanout, afterId: cursor }],
          READ_COUNT,
        );
        outage('read');
        for (const { id, value } of entries) {
          cursor = id;
          const entry = parseEntry(value);
          if (entry && watched.has(entry.channel)) onEntry(entry);
        }
        if (entries.length < READ_COUNT) return;
      }
    } catch (error) {
      outage('read', error);
    }
  };

  const schedule = () => {
    if (closed || timer || watched.size === 0) return;
    timer = setTimeout(() => {
      timer = null;
      reading = readOnce().finally(schedule);
    }, options.pollMs);
  };

  return {
    start(listener) {
      onEntry = listener;
    },
    publish(entry) {
      if (closed) return;
      store.streamAppend(liveKeys.chatFanout, JSON.stringify(entry), {
        maxLength: STREAM_LENGTH,
        ttlMs: STREAM_TTL_MS,
      }).then(() => outage('append'), (error) => outage('append', error));
    },
    watch(channel) {
      watched.set(channel, (watched.get(channel) ?? 0) + 1);
      schedule();
    },
    unwatch(channel) {
      const count = (watched.get(channel) ?? 1) - 1;
      if (count > 0) watched.set(channel, count);
      else watched.delete(channel);
      // Idle: start from the newest entry next time instead of reading up what passed.
      if (watched.size === 0) cursor = null;
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await reading;
    },
  };
}

function parseEntry(value: string): ChatEntry | null {
  try {
    const entry = JSON.parse(value);
    return typeof entry?.channel === 'string' && Number.isInteger(entry?.seq) ? entry : null;
  } catch {
    return null;
  }
}
