// The chat log in libSQL: append an entry under its channel's next sequence number, read
// the entries after a point (resume, gap filling), the last messages (joining), a time
// range (the replay beside a recording), and drop what is older than the retention.
import { and, asc, desc, eq, gt, isNull, lt, lte, sql } from 'drizzle-orm';
import type {
  ChatAuthor,
  ChatEntry,
  ChatMessage,
  ChatRole,
  ChatSettings,
} from '../../core/wire/chat.ts';
import { chatChannels, chatEntries } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';

type EntryRow = typeof chatEntries.$inferSelect;

/** An entry before it has a number. */
export type NewEntry =
  | { kind: 'message'; author: ChatAuthor; text: string; addr: string }
  | { kind: 'delete'; target: number }
  | { kind: 'settings'; settings: ChatSettings };

/**
 * Adds an entry as the channel's next one and returns it numbered. The counter bump and
 * the insert are one transaction (a libSQL batch), so numbers are handed out in commit
 * order: whoever sees entry n can read every entry before it.
 */
export async function appendEntry(
  deps: EdgeDeps,
  channel: string,
  entry: NewEntry,
): Promise<ChatEntry> {
  const at = deps.now();
  const nextSeq = sql<
    number
  >`(SELECT ${chatChannels.lastSeq} FROM ${chatChannels} WHERE ${chatChannels.channel} = ${channel})`;
  const [, inserted] = await deps.db.batch([
    deps.db.insert(chatChannels).values({ channel, lastSeq: 1 }).onConflictDoUpdate({
      target: chatChannels.channel,
      set: { lastSeq: sql`${chatChannels.lastSeq} + 1` },
    }),
    deps.db.insert(chatEntries).values({
      channel,
      seq: nextSeq,
      kind: entry.kind,
      at,
      ...(entry.kind === 'message'
        ? {
          authorId: entry.author.id,
          authorName: entry.author.name,
          authorRole: entry.author.role,
          text: entry.text,
          addr: entry.addr,
        }
        : entry.kind === 'delete'
        ? { target: entry.target }
        : { settingsJson: JSON.stringify(entry.settings) }),
    }).returning(),
  ]);
  return toEntry(inserted[0]!);
}

/** Marks a message deleted; false when there is no such message (or it is gone already). */
export async function markDeleted(deps: EdgeDeps, channel: string, seq: number) {
  const rows = await deps.db.update(chatEntries).set({ deletedAt: deps.now() }).where(and(
    eq(chatEntries.channel, channel),
    eq(chatEntries.seq, seq),
    eq(chatEntries.kind, 'message'),
    isNull(chatEntries.deletedAt),
  )).returning({ seq: chatEntries.seq, authorId: chatEntries.authorId });
  return rows[0] ?? null;
}

/** The number of the channel's newest entry, 0 when it has none. */
export async function lastSeq(deps: EdgeDeps, channel: string): Promise<number> {
  const rows = await deps.db.select({ lastSeq: chatChannels.lastSeq }).from(chatChannels)
    .where(eq(chatChannels.channel, channel));
  return rows[0]?.lastSeq ?? 0;
}

/**
 * Entries with `after < seq <= upTo`, oldest first, at most `limit`; messages deleted
 * since are left out (their delete entry, which comes later, says enough).
 */
export async function entriesBetween(
  deps: EdgeDeps,
  channel: string,
  after: number,
  upTo: number,
  limit: number,
): Promise<{ entries: ChatEntry[]; lastRead: number | null; full: boolean }> {
  const rows = await deps.db.select().from(chatEntries).where(and(
    eq(chatEntries.channel, channel),
    gt(chatEntries.seq, after),
    lte(chatEntries.seq, upTo),
  )).orderBy(asc(chatEntries.seq)).limit(limit);
  return {
    entries: rows.filter((row) => row.deletedAt === null).map(toEntry),
    lastRead: rows.at(-1)?.seq ?? null,
    full: rows.length === limit,
  };
}

/** The oldest entry still kept (retention drops older ones), null when there is none. */
export async function oldestSeq(deps: EdgeDeps, channel: string): Promise<number | null> {
  const rows = await deps.db.select({ seq: chatEntries.seq }).from(chatEntries)
    .where(eq(chatEntries.channel, channel)).orderBy(asc(chatEntries.seq)).limit(1);
  return rows[0]?.seq ?? null;
}

/** The newest `limit` messages not deleted, oldest first. */
export async function recentMessages(
  deps: EdgeDeps,
  channel: string,
  limit: number,
  before = Number.MAX_SAFE_INTEGER,
): Promise<ChatMessage[]> {
  const rows = await deps.db.select().from(chatEntries).where(and(
    eq(chatEntries.channel, channel),
    eq(chatEntries.kind, 'message'),
    isNull(chatEntries.deletedAt),
    lt(chatEntries.seq, before),
  )).orderBy(desc(chatEntries.seq)).limit(limit);
  return rows.reverse().map(toEntry) as ChatMessage[];
}

/** Messages written in [from, to) (unix ms), not deleted, oldest first: for a replay. */
export async function messagesWithin(
  deps: EdgeDeps,
  channel: string,
  range: { from: number; to: number; limit: number },
): Promise<ChatMessage[]> {
  const rows = await deps.db.select().from(chatEntries).where(and(
    eq(chatEntries.channel, channel),
    eq(chatEntries.kind, 'message'),
    isNull(chatEntries.deletedAt),
    sql`${chatEntries.at} >= ${range.from}`,
    lt(chatEntries.at, range.to),
  )).orderBy(asc(chatEntries.seq)).limit(range.limit);
  return rows.map(toEntry) as ChatMessage[];
}

/** Drops entries older than `beforeMs`; returns how many. The counters stay. */
export async function dropOlderThan(deps: EdgeDeps, beforeMs: number): Promise<number> {
  const rows = await deps.db.delete(chatEntries).where(lt(chatEntries.at, beforeMs))
    .returning({ seq: chatEntries.seq });
  return rows.length;
}

function toEntry(row: EntryRow): ChatEntry {
  const base = { channel: row.channel, seq: row.seq, at: row.at };
  if (row.kind === 'delete') return { ...base, kind: 'delete', target: row.target ?? 0 };
  if (row.kind === 'settings') {
    return { ...base, kind: 'settings', settings: JSON.parse(row.settingsJson ?? '{}') };
  }
  return {
    ...base,
    kind: 'message',
    author: {
      id: row.authorId ?? '',
      name: row.authorName ?? '',
      role: (row.authorRole ?? 'guest') as ChatRole,
    },
    text: row.text ?? '',
  };
}
