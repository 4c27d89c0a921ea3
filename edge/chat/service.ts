// Chat as the routes use it: joining a channel, posting, and the moderators' actions.
// Each action that changes what people see (a message, a delete, new settings) is one
// entry in the channel's log, committed to libSQL and then handed to the hub, which
// delivers it here and announces it to the other edges.
import {
  type ChatAuthor,
  type ChatEntry,
  type ChatMessage,
  type ChatServerFrame,
  type ChatSettings,
} from '../../core/wire/chat.ts';
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';
import type { ChatBus } from './bus.ts';
import { channelSettings, isCrewChannel, saveSettings } from './channels.ts';
import { type ChatHub, type ChatSubscriber, createChatHub } from './hub.ts';
import type { ChatIdentity } from './identity.ts';
import { appendEntry, dropOlderThan, markDeleted, messagesWithin } from './log.ts';
import {
  addBan,
  EVERY_CHANNEL,
  liftBans,
  logAction,
  moderationLog,
  type ModerationRecord,
} from './moderation.ts';
import { canModerate, checkMessage, describeYou, mayPost, type Refusal } from './policy.ts';

export type PostResult = { ok: true; entry: ChatMessage } | { ok: false; refusal: Refusal };

/** The moderator behind an action, for the log. */
export interface Moderator {
  accountId: string;
  name: string;
}

export interface ChatService {
  hub: ChatHub;
  /** Subscribes and builds the welcome frame. */
  join(
    channel: string,
    identity: ChatIdentity | null,
    subscriber: ChatSubscriber,
    after: number | null,
  ): Promise<Extract<ChatServerFrame, { type: 'welcome' }>>;
  leave(channel: string, subscriber: ChatSubscriber): void;
  post(channel: string, author: ChatAuthor | null, addr: string, text: string): Promise<PostResult>;
  deleteMessage(channel: string, seq: number, by: Moderator, reason: string): Promise<void>;
  restrict(
    channel: string,
    input: { subject: string; seconds: number | null; everywhere: boolean; reason: string },
    by: Moderator,
  ): Promise<void>;
  unban(channel: string, subject: string, by: Moderator): Promise<number>;
  updateSettings(
    channel: string,
    patch: Partial<ChatSettings>,
    by: Moderator,
  ): Promise<ChatSettings>;
  moderationLog(channel: string, limit: number): Promise<ModerationRecord[]>;
  replay(
    channel: string,
    range: { from: number; to: number; limit: number },
  ): Promise<ChatMessage[]>;
  /** Deletes what is older than the retention; returns how many entries. */
  applyRetention(): Promise<number>;
  close(): Promise<void>;
}

const RETENTION_EVERY_MS = 3_600_000;
const SUBJECT = /^[ag]:[A-Za-z0-9_-]{1,64}$/;

export function createChatService(
  deps: EdgeDeps,
  bus: ChatBus,
  options: { sweepMs?: number } = {},
): ChatService {
  const hub = createChatHub(deps, bus, options);
  const applyRetention = () =>
    dropOlderThan(deps, deps.now() - deps.settings.chat.retentionDays * 86_400_000);
  // Every edge may run it: deleting what is already gone is harmless.
  const retention = setInterval(() => {
    applyRetention().catch((error) =>
      deps.log.warn('chat retention failed', { error: String(error) })
    );
  }, RETENTION_EVERY_MS);
  (retention as { unref?: () => void }).unref?.();

  const commit = async (channel: string, entry: Parameters<typeof appendEntry>[2]) => {
    const committed: ChatEntry = await appendEntry(deps, channel, entry);
    hub.committed(committed);
    return committed;
  };

  return {
    hub,

    async join(channel, identity, subscriber, after) {
      const settings = await channelSettings(deps, channel);
      const author = identity?.author ?? null;
      const you = await describeYou(deps, channel, author, settings);
      const { history, reset, cursor } = await hub.join(channel, subscriber, after);
      return { type: 'welcome', channel, you, settings, history, reset, cursor };
    },

    leave: (channel, subscriber) => hub.leave(channel, subscriber),

    async post(channel, author, addr, text) {
      const kind = isCrewChannel(channel) ? 'crew' : 'room';
      const refused = (refusal: Refusal) => {
        deps.metrics.chatRefusals.inc({ channel: kind, reason: refusal.code });
        return { ok: false as const, refusal };
      };
      const settings = await channelSettings(deps, channel);
      const refusal = await mayPost(deps, channel, author, settings);
      if (refusal) return refused(refusal);
      const checked = await checkMessage(deps, { channel, author: author!, addr, text }, settings);
      if (!checked.ok) return refused(checked.refusal);
      const entry = await commit(channel, {
        kind: 'message',
        author: author!,
        text: checked.text,
        addr,
      });
      deps.metrics.chatMessages.inc({ channel: kind });
      return { ok: true, entry: entry as ChatMessage };
    },

    async deleteMessage(channel, seq, by, reason) {
      const deleted = await markDeleted(deps, channel, seq);
      if (!deleted) throw new HttpError(404, `no message ${seq} in this chat (or deleted already)`);
      await commit(channel, { kind: 'delete', target: seq });
      await logAction(deps, {
        channel,
        action: 'delete',
        by,
        subject: deleted.authorId,
        detail: `message ${seq}`,
        reason,
      });
    },

    async restrict(channel, input, by) {
      if (!SUBJECT.test(input.subject)) {
        throw new HttpError(400, "subject must be a chat author id like 'a:…' or 'g:…'");
      }
      const until = input.seconds === null ? null : deps.now() + input.seconds * 1000;
      await addBan(deps, {
        channel: input.everywhere ? EVERY_CHANNEL : channel,
        subject: input.subject,
        until,
        reason: input.reason,
        by: by.accountId,
      });
      await logAction(deps, {
        channel,
        action: until === null ? 'ban' : 'timeout',
        by,
        subject: input.subject,
        detail: until === null
          ? input.everywhere ? 'every channel' : ''
          : `${input.seconds} s${input.everywhere ? ', every channel' : ''}`,
        reason: input.reason,
      });
    },

    async unban(channel, subject, by) {
      const lifted = await liftBans(deps, channel, subject);
      if (lifted) {
        await logAction(deps, { channel, action: 'unban', by, subject, detail: '', reason: '' });
      }
      return lifted;
    },

    async updateSettings(channel, patch, by) {
      const settings = await saveSettings(deps, channel, patch);
      await commit(channel, { kind: 'settings', settings });
      await logAction(deps, {
        channel,
        action: 'settings',
        by,
        subject: null,
        detail: JSON.stringify(patch),
        reason: '',
      });
      return settings;
    },

    moderationLog: (channel, limit) => moderationLog(deps, channel, limit),
    replay: (channel, range) => messagesWithin(deps, channel, range),

    applyRetention,

    close: () => {
      clearInterval(retention);
      return hub.close();
    },
  };
}

export { canModerate };
