// Metering live rooms into the ledger, and the decisions that follow from balances.
// Publishing is billed per completed minute of a session and per rendition; each minute's
// entry has the key `session:<id>:minute:<n>`, so a replayed, retried or late update
// posts nothing twice, and after a restart the count of a session's minute entries says
// where it stands. Viewing is billed per viewer and minute from the players' heartbeats
// (`viewer:<room>:<session>:minute:<unix minute>`). Rooms without an owner account (the
// operators' own event rooms) are not metered.
import { and, count, desc, eq, gte, lt } from 'drizzle-orm';
import { DEFAULT_LADDER } from '../../core/config/schema.ts';
import { accounts, ledgerEntries, publishSessions } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { fromMilli, type Plan, planOf, toMilli } from './credits.ts';
import { balanceOf, postEntry } from './ledger.ts';

type SessionRow = typeof publishSessions.$inferSelect;

export interface BilledRoom {
  id: string;
  title: string;
  ownerAccountId: string | null;
  ladder: readonly unknown[] | null;
}

async function ownerPlan(deps: EdgeDeps, accountId: string): Promise<Plan | null> {
  const row = (await deps.db.select({ plan: accounts.plan }).from(accounts)
    .where(eq(accounts.id, accountId)))[0];
  return row ? planOf(deps.settings, row.plan) : null;
}

const minuteKeyPrefix = (sessionId: string) => `session:${sessionId}:minute:`;

/** How many minutes of a session are in the ledger: they are always minutes 0…n-1. */
async function meteredMinutes(deps: EdgeDeps, sessionId: string): Promise<number> {
  const prefix = minuteKeyPrefix(sessionId);
  // A key range rather than LIKE, so the unique index on `key` answers it.
  const [row] = await deps.db.select({ n: count() }).from(ledgerEntries).where(and(
    gte(ledgerEntries.key, prefix),
    lt(ledgerEntries.key, `${prefix.slice(0, -1)};`),
  ));
  return row?.n ?? 0;
}

/** Renditions of the session, fixed once: what the encoder reports, else the room's ladder. */
async function sessionRenditions(
  deps: EdgeDeps,
  session: SessionRow,
  room: BilledRoom,
  reported: number | null,
): Promise<number> {
  if (session.renditions) return session.renditions;
  const renditions = reported || room.ladder?.length || DEFAULT_LADDER.length;
  await deps.db.update(publishSessions).set({ renditions })
    .where(eq(publishSessions.id, session.id));
  return renditions;
}

export type PublishVerdict = { cutOff: false } | { cutOff: true; reason: string };

/**
 * Posts the completed minutes of a live session not posted yet, then says whether it may
 * go on: not past its plan's session limit, and its next minute paid for (or within the
 * grace below zero). So without grace a balance never goes negative. Throws when the
 * database does (the caller applies edge.billing.whenDown).
 */
export async function meterPublish(
  deps: EdgeDeps,
  session: SessionRow,
  room: BilledRoom,
  reportedRenditions: number | null,
): Promise<PublishVerdict> {
  if (!deps.settings.billing.enabled || !room.ownerAccountId) return { cutOff: false };
  const accountId = room.ownerAccountId;
  const plan = await ownerPlan(deps, accountId);
  if (!plan) return { cutOff: false };
  const renditions = await sessionRenditions(deps, session, room, reportedRenditions);
  const perMinute = toMilli(plan.publishMinute) * renditions;
  const completed = Math.max(0, Math.floor((deps.now() - session.startedAt) / 60_000));
  const limit = plan.sessionMinutes;
  const billable = limit > 0 ? Math.min(completed, limit) : completed;
  if (perMinute > 0) {
    for (let minute = await meteredMinutes(deps, session.id); minute < billable; minute++) {
      await postEntry(deps, {
        key: `${minuteKeyPrefix(session.id)}${minute}`,
        accountId,
        kind: 'publish',
        delta: -perMinute,
        memo: `${room.title}, minute ${minute + 1} × ${renditions} renditions`,
      });
    }
  }
  if (limit > 0 && completed >= limit) {
    return {
      cutOff: true,
      reason: `the ${plan.name} plan allows ${limit} minutes per session; it is over`,
    };
  }
  // Going on means running into the next minute: allowed while the balance pays for it,
  // or the grace (graceMinutes of this publish) covers what it does not.
  const balance = await balanceOf(deps, accountId);
  const grace = deps.settings.billing.graceMinutes * perMinute;
  if (perMinute > 0 && balance - perMinute < -grace) {
    return {
      cutOff: true,
      reason: grace > 0
        ? 'out of credits (the grace period is over); buy credits on your account page'
        : 'out of credits; buy credits on your account page',
    };
  }
  return { cutOff: false };
}

/**
 * Whether a new publish of the room may start: by the same rule as going on, its owner
 * must be able to pay its first minute (or the grace cover it), else it would start only to
 * be cut off seconds later. Priced at the renditions its last session had, else its own
 * ladder's, else one: the encoder's default ladder is not known here, and turning away a
 * stream that could pay is worse than ending it after its paid minute.
 */
export async function mayStartPublish(deps: EdgeDeps, room: BilledRoom): Promise<string | null> {
  if (!deps.settings.billing.enabled || !room.ownerAccountId) return null;
  const plan = await ownerPlan(deps, room.ownerAccountId);
  if (!plan) return null;
  const [last] = await deps.db.select({ renditions: publishSessions.renditions })
    .from(publishSessions).where(eq(publishSessions.roomId, room.id))
    .orderBy(desc(publishSessions.startedAt)).limit(1);
  const renditions = last?.renditions || room.ladder?.length || 1;
  const perMinute = toMilli(plan.publishMinute) * renditions;
  const balance = await balanceOf(deps, room.ownerAccountId);
  const grace = deps.settings.billing.graceMinutes * perMinute;
  if (perMinute === 0 || balance - perMinute >= -grace) return null;
  return `the account of room '${room.id}' has not enough credits for a minute of streaming ` +
    `(${fromMilli(balance)} left, ${fromMilli(perMinute)} a minute); buy credits on its ` +
    'account page';
}

/** One viewer's heartbeat of a live room: that minute of theirs, once. */
export async function meterViewing(
  deps: EdgeDeps,
  room: BilledRoom,
  viewerSession: string,
): Promise<void> {
  if (!deps.settings.billing.enabled || !room.ownerAccountId) return;
  const plan = await ownerPlan(deps, room.ownerAccountId);
  const price = plan ? toMilli(plan.viewerMinute) : 0;
  if (price <= 0) return;
  const minute = Math.floor(deps.now() / 60_000);
  await postEntry(deps, {
    key: `viewer:${room.id}:${viewerSession}:minute:${minute}`,
    accountId: room.ownerAccountId,
    kind: 'viewing',
    delta: -price,
    memo: `${room.title}, one viewer-minute`,
  });
}

export type BalanceState = 'ok' | 'low' | 'grace' | 'empty';

export interface BillingStatus {
  enabled: boolean;
  plan: string;
  /** Credits (three decimals at most). */
  balance: number;
  state: BalanceState;
  /** What the account page and the API say about the state, or null when all is well. */
  warning: string | null;
}

export async function billingStatus(
  deps: EdgeDeps,
  account: { id: string; plan: string | null },
): Promise<BillingStatus> {
  const { billing } = deps.settings;
  const plan = planOf(deps.settings, account.plan);
  const milli = await balanceOf(deps, account.id);
  const balance = fromMilli(milli);
  const state: BalanceState = !billing.enabled || milli > toMilli(billing.lowBalanceCredits)
    ? 'ok'
    : milli > 0
    ? 'low'
    : billing.graceMinutes > 0
    ? 'grace'
    : 'empty';
  const warning = state === 'low'
    ? `${balance} credits left (under ${billing.lowBalanceCredits}); buy credits so your ` +
      'streams are not cut off'
    : state === 'grace'
    ? `no credits left: a running stream goes on for up to ${billing.graceMinutes} minutes, ` +
      'then it is cut off; new streams cannot start'
    : state === 'empty'
    ? 'no credits left: streams cannot start'
    : null;
  return { enabled: billing.enabled, plan: plan.name, balance, state, warning };
}
