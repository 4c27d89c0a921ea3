// One edge's chat delivery: the people connected here, per channel, and every entry sent
// to them once, in order. Entries arrive from this edge (just committed) and from the
// others (the fan-out bus); the database is the truth behind both, so
// * an entry older than what a channel has delivered is a repeat and dropped;
// * an entry further ahead than the next one means something was missed (a fan-out
//   message lost while Redis restarted, say): the gap is read from the database first;
// * a sweep reads the database now and then anyway, so an entry whose fan-out never came
//   is delivered within `sweepMs`.
// Everything for one channel runs one step after another (`chain`), so joining, resuming
// and delivering never interleave.
import { CHAT_HISTORY_ON_JOIN, type ChatEntry, type ChatMessage } from '../../core/wire/chat.ts';
import type { EdgeDeps } from '../deps.ts';
import type { ChatBus } from './bus.ts';
import { entriesBetween, lastSeq, oldestSeq, recentMessages } from './log.ts';

export interface ChatSubscriber {
  /**
   * One serialised `entry` or `entries` frame (entries in order); the same string goes to
   * every subscriber of the channel.
   */
  send(frame: string): void;
}

export interface JoinResult {
  history: ChatMessage[];
  reset: boolean;
  /** What the subscriber has after joining: live entries start after it. */
  cursor: number;
}

export interface ChatHub {
  /** An entry this edge committed: delivered here at once and announced to the others. */
  committed(entry: ChatEntry): void;
  /**
   * Adds a subscriber. `after` null: it gets the last messages as history. A number: it
   * gets every entry after it (or, when those are gone by retention or too many, a reset
   * with history).
   */
  join(channel: string, subscriber: ChatSubscriber, after: number | null): Promise<JoinResult>;
  leave(channel: string, subscriber: ChatSubscriber): void;
  /** Subscribers connected here, for tests and the benchmark. */
  subscriberCount(channel: string): number;
  close(): Promise<void>;
}

interface ChannelState {
  delivered: number;
  subscribers: Set<ChatSubscriber>;
  chain: Promise<void>;
  /** Delivered entries not yet sent (coalescing, see COALESCE_MS). */
  outbox: ChatEntry[];
  lastFlushAt: number;
  flushTimer: ReturnType<typeof setTimeout> | null;
}

/**
 * A channel sends at most one frame per this many ms to each subscriber: the first entry
 * after a quiet moment goes out at once, what follows within the window goes together in
 * one `entries` frame. A busy room then costs each socket one write per window instead
 * of one per message (the writes, not the messages, are what an edge runs out of), for
 * at most this much more latency.
 */
const COALESCE_MS = 25;

/** A client that missed more than this gets a reset with history instead of a replay. */
const MAX_REPLAY = 1000;
const PAGE = 500;

export function createChatHub(
  deps: EdgeDeps,
  bus: ChatBus,
  options: { sweepMs?: number } = {},
): ChatHub {
  const channels = new Map<string, ChannelState>();
  const sweepMs = options.sweepMs ?? 2000;
  let closed = false;

  const frameOf = (entries: readonly ChatEntry[]) =>
    JSON.stringify(
      entries.length === 1 ? { type: 'entry', entry: entries[0] } : {
        type: 'entries',
        entries,
      },
    );

  const flush = (state: ChannelState) => {
    if (state.flushTimer) clearTimeout(state.flushTimer);
    state.flushTimer = null;
    if (state.outbox.length === 0) return;
    const frame = frameOf(state.outbox);
    state.outbox = [];
    state.lastFlushAt = performance.now();
    for (const subscriber of state.subscribers) subscriber.send(frame);
  };

  const deliver = (state: ChannelState, entry: ChatEntry) => {
    if (entry.seq <= state.delivered) return;
    state.delivered = entry.seq;
    state.outbox.push(entry);
    if (state.flushTimer) return;
    const wait = state.lastFlushAt + COALESCE_MS - performance.now();
    if (wait <= 0) flush(state);
    else state.flushTimer = setTimeout(() => flush(state), wait);
  };

  /** Reads and delivers what the database has after `delivered`, up to `upTo`. */
  const catchUp = async (channel: string, state: ChannelState, upTo: number) => {
    while (state.delivered < upTo) {
      const page = await entriesBetween(deps, channel, state.delivered, upTo, PAGE);
      for (const entry of page.entries) deliver(state, entry);
      // Numbers can have holes (dropped by retention, deleted messages left out): what
      // was read is delivered as far as it goes.
      if (!page.full) {
        state.delivered = Math.max(state.delivered, upTo);
        return;
      }
      state.delivered = Math.max(state.delivered, page.lastRead!);
    }
  };

  /** Runs `step` after everything already queued for the channel; errors are logged. */
  const enqueue = <T>(channel: string, state: ChannelState, step: () => Promise<T>) => {
    const run = state.chain.then(step);
    state.chain = run.then(() => undefined, (error) => {
      deps.log.warn('chat delivery step failed', { channel, error: String(error) });
    });
    return run;
  };

  const arrive = (entry: ChatEntry) => {
    const state = channels.get(entry.channel);
    if (!state || entry.seq <= state.delivered) return;
    if (entry.seq === state.delivered + 1) {
      // The common case, without waiting for the chain when nothing is queued before it.
      void enqueue(entry.channel, state, () => Promise.resolve(deliver(state, entry)));
      return;
    }
    void enqueue(entry.channel, state, async () => {
      await catchUp(entry.channel, state, entry.seq - 1);
      deliver(state, entry);
    });
  };

  bus.start(arrive);

  const sweep = setInterval(() => {
    for (const [channel, state] of channels) {
      void enqueue(channel, state, async () => {
        await catchUp(channel, state, await lastSeq(deps, channel));
      });
    }
  }, sweepMs);
  (sweep as { unref?: () => void }).unref?.();

  return {
    committed(entry) {
      arrive(entry);
      bus.publish(entry);
    },

    async join(channel, subscriber, after) {
      if (closed) throw new Error('chat is closed');
      let state = channels.get(channel);
      if (!state) {
        state = {
          delivered: 0,
          subscribers: new Set(),
          chain: Promise.resolve(),
          outbox: [],
          lastFlushAt: 0,
          flushTimer: null,
        };
        channels.set(channel, state);
        const fresh = state;
        await enqueue(channel, fresh, async () => {
          fresh.delivered = await lastSeq(deps, channel);
        });
        bus.watch(channel);
      }
      const current = state;
      return await enqueue(channel, current, async (): Promise<JoinResult> => {
        await catchUp(channel, current, await lastSeq(deps, channel));
        // What is delivered but unsent goes to those here before; the newcomer gets it
        // in its history or replay, not twice.
        flush(current);
        const withHistory = async (reset: boolean) => {
          current.subscribers.add(subscriber);
          return {
            history: await recentMessages(
              deps,
              channel,
              CHAT_HISTORY_ON_JOIN,
              current.delivered + 1,
            ),
            reset,
            cursor: current.delivered,
          };
        };
        if (after === null) return await withHistory(false);
        const oldest = await oldestSeq(deps, channel);
        const lost = oldest !== null && after < oldest - 1;
        if (after > current.delivered || lost || current.delivered - after > MAX_REPLAY) {
          return await withHistory(true);
        }
        for (let from = after; from < current.delivered;) {
          const page = await entriesBetween(deps, channel, from, current.delivered, PAGE);
          if (page.entries.length) subscriber.send(frameOf(page.entries));
          if (!page.full) break;
          from = page.lastRead!;
        }
        current.subscribers.add(subscriber);
        return { history: [], reset: false, cursor: current.delivered };
      });
    },

    leave(channel, subscriber) {
      const state = channels.get(channel);
      if (!state) return;
      state.subscribers.delete(subscriber);
      if (state.subscribers.size === 0) {
        // Forget the channel once nothing is queued, so a quiet edge holds nothing.
        void state.chain.then(() => {
          if (state.subscribers.size === 0 && channels.get(channel) === state) {
            channels.delete(channel);
            bus.unwatch(channel);
          }
        });
      }
    },

    subscriberCount: (channel) => channels.get(channel)?.subscribers.size ?? 0,

    async close() {
      closed = true;
      clearInterval(sweep);
      await bus.close();
      await Promise.all([...channels.values()].map((state) => state.chain));
      for (const state of channels.values()) flush(state);
      channels.clear();
    },
  };
}
