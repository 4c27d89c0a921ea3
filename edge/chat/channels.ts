// The channels: `room:<room id>` for a room's viewers (public, like the room), and
// `crew:<event id>` for an event's crew (the control room and the rooms' AV crews): only
// admins, operators, moderators and the owners of the event's rooms can read or post.
import { and, eq } from 'drizzle-orm';
import type { ChatSettings } from '../../core/wire/chat.ts';
import { chatChannels, rooms } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';
import { findRoom, getEvent } from '../services/rooms.ts';
import type { ChatIdentity } from './identity.ts';

export const roomChannel = (roomId: string) => `room:${roomId}`;
export const crewChannel = (eventId: string) => `crew:${eventId}`;
export const isCrewChannel = (channel: string) => channel.startsWith('crew:');

const STAFF_ROLES = ['admin', 'operator', 'moderator'];

/** 404 when the room does not exist; everyone may read a room's chat. */
export async function openRoomChannel(deps: EdgeDeps, roomId: string): Promise<string> {
  if (!await findRoom(deps, roomId)) throw new HttpError(404, `no room '${roomId}'`);
  return roomChannel(roomId);
}

/** 401/403/404 unless `identity` is crew of the event. */
export async function openCrewChannel(
  deps: EdgeDeps,
  eventId: string,
  identity: ChatIdentity | null,
): Promise<string> {
  await getEvent(deps, eventId);
  if (identity?.kind !== 'account') {
    throw new HttpError(401, 'the crew channel needs a signed-in crew account');
  }
  const { account } = identity;
  if (STAFF_ROLES.includes(account.role)) return crewChannel(eventId);
  if (account.role === 'streamer') {
    const owned = await deps.db.select({ id: rooms.id }).from(rooms).where(
      and(eq(rooms.eventId, eventId), eq(rooms.ownerAccountId, account.id)),
    ).limit(1);
    if (owned.length) return crewChannel(eventId);
  }
  throw new HttpError(403, "the crew channel is for the event's crew only");
}

/** The defaults of every channel, from the edge config (edge.chat). */
export function defaultSettings(deps: EdgeDeps): ChatSettings {
  const chat = deps.settings.chat;
  return {
    mode: chat.mode,
    slowModeSeconds: chat.slowModeSeconds,
    links: chat.links,
    guests: chat.guests,
    maxLength: chat.maxLength,
  };
}

/** A channel's settings: what its moderators set over the defaults. */
export async function channelSettings(deps: EdgeDeps, channel: string): Promise<ChatSettings> {
  const rows = await deps.db.select({ json: chatChannels.settingsJson }).from(chatChannels)
    .where(eq(chatChannels.channel, channel));
  const json = rows[0]?.json;
  return { ...defaultSettings(deps), ...(json ? JSON.parse(json) : {}) };
}

/** Stores the settings moderators changed (only the keys they set stay overrides). */
export async function saveSettings(
  deps: EdgeDeps,
  channel: string,
  overrides: Partial<ChatSettings>,
): Promise<ChatSettings> {
  const rows = await deps.db.select({ json: chatChannels.settingsJson }).from(chatChannels)
    .where(eq(chatChannels.channel, channel));
  const merged = { ...(rows[0]?.json ? JSON.parse(rows[0].json) : {}), ...overrides };
  const settingsJson = JSON.stringify(merged);
  await deps.db.insert(chatChannels).values({ channel, lastSeq: 0, settingsJson })
    .onConflictDoUpdate({ target: chatChannels.channel, set: { settingsJson } });
  return { ...defaultSettings(deps), ...merged };
}
