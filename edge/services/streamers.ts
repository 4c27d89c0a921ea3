// Becoming a streamer: a signed-in viewer asks for a room, an admin approves (the room is
// created for them, the role becomes streamer, welcome credits are granted) or refuses.
// Only then can a stream key be issued (stream keys need a room the account owns, and only
// admins, operators and streamers manage keys).
import { and, eq, sql } from 'drizzle-orm';
import { accounts, rooms } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';
import { postEntry } from '../billing/ledger.ts';
import { toMilli } from '../billing/credits.ts';
import { type Account, toAccount } from './accounts.ts';
import { createRoom, findRoom } from './rooms.ts';

export interface StreamerApplication {
  account: Account;
  roomId: string;
  roomTitle: string;
}

export async function applyToStream(
  deps: EdgeDeps,
  account: Account,
  input: { roomId: string; title: string },
): Promise<StreamerApplication> {
  if (account.role !== 'viewer') {
    throw new HttpError(
      409,
      `you are ${account.role} already; this is for viewers who want to stream`,
    );
  }
  if (!account.emailVerified) {
    throw new HttpError(403, 'confirm your email address first (the link in the mail)');
  }
  if (account.streamer === 'pending') {
    throw new HttpError(409, 'your application is waiting for an admin already');
  }
  if (await findRoom(deps, input.roomId)) {
    throw new HttpError(409, `room '${input.roomId}' exists already; pick another name`);
  }
  const taken = await deps.db.select({ id: accounts.id }).from(accounts).where(and(
    eq(accounts.streamerRoomId, input.roomId),
    eq(accounts.streamerState, 'pending'),
  ));
  if (taken.length) {
    throw new HttpError(409, `room '${input.roomId}' is asked for already; pick another name`);
  }
  const updated = await deps.db.update(accounts).set({
    streamerState: 'pending',
    streamerRoomId: input.roomId,
    streamerRoomTitle: input.title,
    updatedAt: new Date(deps.now()),
  }).where(eq(accounts.id, account.id)).returning();
  return { account: toAccount(updated[0]!), roomId: input.roomId, roomTitle: input.title };
}

export async function pendingApplications(deps: EdgeDeps): Promise<StreamerApplication[]> {
  const rows = await deps.db.select().from(accounts)
    .where(eq(accounts.streamerState, 'pending')).orderBy(sql`${accounts.updatedAt} asc`);
  return rows.map((row) => ({
    account: toAccount(row),
    roomId: row.streamerRoomId ?? '',
    roomTitle: row.streamerRoomTitle ?? '',
  }));
}

export async function decideApplication(
  deps: EdgeDeps,
  accountId: string,
  decision: 'approve' | 'refuse',
): Promise<Account> {
  const row = (await deps.db.select().from(accounts).where(eq(accounts.id, accountId)))[0];
  if (!row) throw new HttpError(404, `no account '${accountId}'`);
  if (row.streamerState !== 'pending' || !row.streamerRoomId) {
    throw new HttpError(409, `${row.email} has no application waiting`);
  }
  const now = new Date(deps.now());
  if (decision === 'refuse') {
    await deps.db.update(accounts).set({ streamerState: 'refused', updatedAt: now })
      .where(eq(accounts.id, accountId));
  } else {
    await createRoom(deps, {
      id: row.streamerRoomId,
      title: row.streamerRoomTitle || row.streamerRoomId,
      ownerAccountId: accountId,
    });
    await deps.db.update(accounts).set({
      streamerState: 'approved',
      role: row.role === 'viewer' ? 'streamer' : row.role,
      updatedAt: now,
    }).where(eq(accounts.id, accountId));
    const welcome = toMilli(deps.settings.billing.welcomeCredits);
    if (welcome > 0) {
      await postEntry(deps, {
        key: `grant:welcome:${accountId}`,
        accountId,
        kind: 'grant',
        delta: welcome,
        memo: 'welcome credits on approval',
      });
    }
  }
  const updated = (await deps.db.select().from(accounts).where(eq(accounts.id, accountId)))[0]!;
  return toAccount(updated);
}

/** Rooms an account owns (a streamer's own rooms). */
export async function ownedRoomIds(deps: EdgeDeps, accountId: string): Promise<string[]> {
  const rows = await deps.db.select({ id: rooms.id }).from(rooms)
    .where(eq(rooms.ownerAccountId, accountId));
  return rows.map((r) => r.id);
}
