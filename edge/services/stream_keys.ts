// Stream keys: they only authorise a publish; the room id names the stream. A key is shown
// once (at creation or rotation), stored as a hash, and can be revoked; revoking a key
// cuts off a publish that is live with it (on the node's next on_update or heartbeat).
import { and, asc, eq, isNull } from 'drizzle-orm';
import { publishSessions, rooms, streamKeys } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { hashToken, newId, newStreamKey, streamKeyHint } from '../auth/secrets.ts';
import { getRoom, type RoomRecord, toRoom } from './rooms.ts';
import { toIso } from '../iso_time.ts';

export interface StreamKeyInfo {
  id: string;
  roomId: string;
  hint: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

type KeyRow = typeof streamKeys.$inferSelect;

function toInfo(row: KeyRow): StreamKeyInfo {
  return {
    id: row.id,
    roomId: row.roomId,
    hint: row.hint,
    createdAt: new Date(row.createdAt).toISOString(),
    revokedAt: toIso(row.revokedAt),
    lastUsedAt: toIso(row.lastUsedAt),
  };
}

export async function listStreamKeys(deps: EdgeDeps, roomId: string): Promise<StreamKeyInfo[]> {
  await getRoom(deps, roomId);
  const rows = await deps.db.select().from(streamKeys).where(eq(streamKeys.roomId, roomId)).orderBy(
    asc(streamKeys.createdAt),
  );
  return rows.map(toInfo);
}

/** A new key for the room; the only time the key itself is returned. */
export async function createStreamKey(
  deps: EdgeDeps,
  roomId: string,
): Promise<{ key: string; info: StreamKeyInfo }> {
  await getRoom(deps, roomId);
  const key = newStreamKey();
  const row: KeyRow = {
    id: newId(),
    roomId,
    keyHash: await hashToken(key),
    hint: streamKeyHint(key),
    createdAt: deps.now(),
    revokedAt: null,
    lastUsedAt: null,
  };
  await deps.db.insert(streamKeys).values(row);
  return { key, info: toInfo(row) };
}

/** Revokes one key. Returns false when it was revoked already. */
export async function revokeStreamKey(
  deps: EdgeDeps,
  roomId: string,
  keyId: string,
): Promise<boolean> {
  const revoked = await deps.db.update(streamKeys).set({ revokedAt: deps.now() })
    .where(
      and(eq(streamKeys.id, keyId), eq(streamKeys.roomId, roomId), isNull(streamKeys.revokedAt)),
    )
    .returning({ id: streamKeys.id });
  return revoked.length > 0;
}

/** Revokes every active key of the room and creates a new one. */
export async function rotateStreamKeys(
  deps: EdgeDeps,
  roomId: string,
): Promise<{ key: string; info: StreamKeyInfo; revoked: number }> {
  await getRoom(deps, roomId);
  const revoked = await deps.db.update(streamKeys).set({ revokedAt: deps.now() })
    .where(and(eq(streamKeys.roomId, roomId), isNull(streamKeys.revokedAt)))
    .returning({ id: streamKeys.id });
  const created = await createStreamKey(deps, roomId);
  return { ...created, revoked: revoked.length };
}

export type KeyLookup =
  | { found: true; keyId: string; room: RoomRecord }
  | { found: false; reason: 'unknown' | 'revoked' };

export async function lookupStreamKey(deps: EdgeDeps, key: string): Promise<KeyLookup> {
  const rows = await deps.db.select({ key: streamKeys, room: rooms })
    .from(streamKeys)
    .innerJoin(rooms, eq(rooms.id, streamKeys.roomId))
    .where(eq(streamKeys.keyHash, await hashToken(key)));
  const row = rows[0];
  if (!row) return { found: false, reason: 'unknown' };
  if (row.key.revokedAt !== null) return { found: false, reason: 'revoked' };
  return { found: true, keyId: row.key.id, room: toRoom(row.room) };
}

/** Whether the key a session published with is still valid. */
export async function sessionKeyIsValid(deps: EdgeDeps, sessionId: string): Promise<boolean> {
  const rows = await deps.db.select({ revokedAt: streamKeys.revokedAt })
    .from(publishSessions)
    .innerJoin(streamKeys, eq(streamKeys.id, publishSessions.streamKeyId))
    .where(eq(publishSessions.id, sessionId));
  return rows.length > 0 && rows[0]!.revokedAt === null;
}
