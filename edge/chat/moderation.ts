// Bans, time-outs and the moderation log in libSQL. A ban on channel `*` counts in every
// channel. Lifting a ban keeps its row (liftedAt), so the log and the bans tell one story.
import { and, desc, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import { CHAT_ACTIONS, chatBans, chatModerationLog } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { newId } from '../auth/secrets.ts';

export const EVERY_CHANNEL = '*';

export type ChatAction = (typeof CHAT_ACTIONS)[number];

export interface Ban {
  id: string;
  channel: string;
  subject: string;
  /** Unix ms; null = for good. */
  until: number | null;
  reason: string;
}

/** The ban or time-out in force on `subject` in `channel`, the longest one; null if none. */
export async function activeBan(
  deps: EdgeDeps,
  channel: string,
  subject: string,
): Promise<Ban | null> {
  const rows = await deps.db.select().from(chatBans).where(and(
    eq(chatBans.subject, subject),
    inArray(chatBans.channel, [channel, EVERY_CHANNEL]),
    isNull(chatBans.liftedAt),
    or(isNull(chatBans.until), gt(chatBans.until, deps.now())),
  ));
  if (!rows.length) return null;
  const longest = rows.find((row) => row.until === null) ??
    rows.reduce((a, b) => ((a.until ?? 0) >= (b.until ?? 0) ? a : b));
  return {
    id: longest.id,
    channel: longest.channel,
    subject: longest.subject,
    until: longest.until,
    reason: longest.reason,
  };
}

export async function addBan(
  deps: EdgeDeps,
  input: { channel: string; subject: string; until: number | null; reason: string; by: string },
): Promise<void> {
  await deps.db.insert(chatBans).values({
    id: newId(),
    channel: input.channel,
    subject: input.subject,
    until: input.until,
    reason: input.reason,
    byAccountId: input.by,
    createdAt: deps.now(),
    liftedAt: null,
  });
}

/** Lifts every ban and time-out of `subject` in `channel` (and everywhere); how many. */
export async function liftBans(deps: EdgeDeps, channel: string, subject: string) {
  const rows = await deps.db.update(chatBans).set({ liftedAt: deps.now() }).where(and(
    eq(chatBans.subject, subject),
    inArray(chatBans.channel, [channel, EVERY_CHANNEL]),
    isNull(chatBans.liftedAt),
  )).returning({ id: chatBans.id });
  return rows.length;
}

export interface ModerationRecord {
  id: string;
  channel: string;
  action: ChatAction;
  by: { accountId: string; name: string };
  subject: string | null;
  detail: string;
  reason: string;
  at: number;
}

export async function logAction(
  deps: EdgeDeps,
  record: Omit<ModerationRecord, 'id' | 'at'>,
): Promise<void> {
  await deps.db.insert(chatModerationLog).values({
    id: newId(),
    channel: record.channel,
    action: record.action,
    byAccountId: record.by.accountId,
    byName: record.by.name,
    subject: record.subject,
    detail: record.detail,
    reason: record.reason,
    at: deps.now(),
  });
}

/** The newest `limit` actions in a channel, newest first. */
export async function moderationLog(
  deps: EdgeDeps,
  channel: string,
  limit: number,
): Promise<ModerationRecord[]> {
  const rows = await deps.db.select().from(chatModerationLog)
    .where(eq(chatModerationLog.channel, channel))
    .orderBy(desc(chatModerationLog.at)).limit(limit);
  return rows.map((row) => ({
    id: row.id,
    channel: row.channel,
    action: row.action,
    by: { accountId: row.byAccountId, name: row.byName },
    subject: row.subject,
    detail: row.detail,
    reason: row.reason,
    at: row.at,
  }));
}
