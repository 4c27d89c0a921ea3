// The chat API. Viewers (and crews, on `crew/<event>`) connect with a WebSocket, or with
// an event stream plus posts where WebSockets do not get through; both carry the same
// JSON frames (core/wire/chat.ts). Who they are comes from the chat cookie
// (`POST /chat/identity`), never from what they send. Moderators act through the JSON
// routes with their operator token or their chat cookie.
import { clientAddress } from '../client_address.ts';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import type { UpgradeWebSocket, WSContext } from 'hono/ws';
import {
  CHAT_SILENT_CLOSE_MS,
  chatClientFrameSchema,
  type ChatServerFrame,
} from '../../core/wire/chat.ts';
import { channelSettings, openCrewChannel, openRoomChannel } from '../chat/channels.ts';
import {
  accountAuthor,
  accountCookie,
  CHAT_COOKIE,
  type ChatIdentity,
  cookieOptions,
  guestCookie,
  identityFromCookie,
} from '../chat/identity.ts';
import { chatOriginCheck } from '../chat/origin.ts';
import type { Refusal } from '../chat/policy.ts';
import { canModerate, type ChatService, type Moderator } from '../chat/service.ts';
import type { ChatSubscriber } from '../chat/hub.ts';
import type { EdgeDeps } from '../deps.ts';
import type { EdgeEnv } from '../env.ts';
import { type ErrorStatus, HttpError } from '../http_error.ts';
import { bearerToken } from '../auth/middleware.ts';
import { accountForToken, sessionForToken } from '../services/accounts.ts';
import * as s from './chat_schemas.ts';
import { createRoute, jsonBody, newRouter, okSchema, responses, SECURITY } from './route.ts';
import { z } from 'zod';

/** What differs between Node and Deno: the WebSocket upgrade and the peer's address. */
export interface ChatRuntime {
  // deno-lint-ignore no-explicit-any
  upgradeWebSocket: UpgradeWebSocket<any, any> | null;
  /** The client's address as the connection shows it; '' when unknown. */
  remoteAddress(c: Context): string;
  /** Close a socket silent this long (default CHAT_SILENT_CLOSE_MS; tests shorten it). */
  silentCloseMs?: number;
}

/** Larger client frames are refused unread. */
const MAX_FRAME_BYTES = 8192;
/** A connection that sends this many unusable frames is closed. */
const MAX_BAD_FRAMES = 20;
/** A socket whose unsent data grows past this is a reader that cannot keep up: closed. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const SSE_KEEPALIVE_MS = 15_000;

const REFUSAL_STATUS: Record<Refusal['code'], ErrorStatus> = {
  bad_frame: 400,
  not_allowed: 403,
  banned: 403,
  timed_out: 403,
  chat_off: 403,
  slow_mode: 429,
  rate_limited: 429,
  too_long: 400,
  empty: 400,
  link_not_allowed: 400,
};

export function chatRoutes(deps: EdgeDeps, chat: ChatService, runtime: ChatRuntime) {
  const app = newRouter();
  app.use('/chat/*', chatOriginCheck(deps));

  const identityOf = (c: Context) => identityFromCookie(deps, getCookie(c, CHAT_COOKIE));

  /** The channel a `{kind}/{id}` path names, with the access check of that kind. */
  const channelOf = (kind: string, id: string, identity: ChatIdentity | null) =>
    kind === 'crew' ? openCrewChannel(deps, id, identity) : openRoomChannel(deps, id);

  const addressOf = (c: Context) => clientAddress(deps, runtime.remoteAddress, c);

  /**
   * A moderator: a bearer token of a moderating role, or a chat cookie of one. Also their
   * identity, for the access check of the channel they act in.
   */
  const moderatorOf = async (c: Context): Promise<{ by: Moderator; identity: ChatIdentity }> => {
    const bearer = bearerToken(c.req.header('authorization'));
    const cookie = bearer ? null : await identityOf(c);
    const account = bearer
      ? await accountForToken(deps, bearer)
      : cookie?.kind === 'account'
      ? cookie.account
      : null;
    if (!account) throw new HttpError(401, 'moderating needs a signed-in moderator');
    const author = accountAuthor(account);
    if (!canModerate(author)) {
      throw new HttpError(
        403,
        `moderating needs the role admin, operator or moderator; you are ${account.role}`,
      );
    }
    return {
      by: { accountId: account.id, name: author.name },
      identity: { kind: 'account', account, author },
    };
  };

  // ------------------------------------------------------------ identity
  app.openapi(
    createRoute({
      method: 'get',
      path: '/chat/identity',
      tags: ['chat'],
      summary: 'Who this browser chats as (from the chat cookie), or null',
      security: SECURITY.public,
      responses: responses(s.chatIdentitySchema, 200),
    }),
    async (c) => c.json({ author: (await identityOf(c))?.author ?? null }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/chat/identity',
      tags: ['chat'],
      summary: 'Chat as the account of the bearer token, or as a guest; sets the chat cookie',
      security: SECURITY.public,
      request: { body: { ...jsonBody(s.chatIdentityBodySchema), required: false } },
      responses: responses(s.chatIdentitySchema, 200),
    }),
    async (c) => {
      const bearer = bearerToken(c.req.header('authorization'));
      if (bearer) {
        const session = await sessionForToken(deps, bearer);
        if (!session) throw new HttpError(401, 'token is unknown, expired or revoked');
        const lifetime = (session.expiresAt ?? deps.now() + 30 * 86_400_000) - deps.now();
        setCookie(
          c,
          CHAT_COOKIE,
          await accountCookie(deps, session),
          cookieOptions(deps, lifetime),
        );
        return c.json({ author: accountAuthor(session.account) }, 200);
      }
      const body = await c.req.json().catch(() => ({}));
      const parsed = s.chatIdentityBodySchema.safeParse(body ?? {});
      if (!parsed.success) throw new HttpError(400, 'invalid body: guest must be true or false');
      const current = await identityOf(c);
      if (current) return c.json({ author: current.author }, 200);
      if (!parsed.data.guest) {
        throw new HttpError(401, 'send a bearer token to chat as your account, or {"guest": true}');
      }
      const guest = await guestCookie(deps);
      setCookie(c, CHAT_COOKIE, guest.cookie, cookieOptions(deps, 30 * 86_400_000));
      return c.json({ author: guest.author }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/chat/identity',
      tags: ['chat'],
      summary: 'Forget the chat identity of this browser (removes the cookie)',
      security: SECURITY.public,
      responses: responses(okSchema, 200),
    }),
    (c) => {
      const { maxAge: _, ...attributes } = cookieOptions(deps, 1);
      deleteCookie(c, CHAT_COOKIE, attributes);
      return c.json({ ok: true as const }, 200);
    },
  );

  // ------------------------------------------------------------ live: WebSocket
  const paramsOf = (c: Context) => {
    const parsed = s.chatTargetParams.safeParse({
      kind: c.req.param('kind'),
      id: c.req.param('id'),
    });
    if (!parsed.success) {
      throw new HttpError(404, `no chat at ${new URL(c.req.url).pathname}`);
    }
    return parsed.data;
  };
  const afterOf = (c: Context): number | null => {
    const raw = c.req.query('after') ?? c.req.header('last-event-id');
    if (raw === undefined || raw === '') return null;
    const parsed = s.chatStreamQuery.shape.after.safeParse(raw);
    if (!parsed.success || parsed.data === undefined) {
      throw new HttpError(400, "'after' (or Last-Event-ID) must be a whole number, 0 or more");
    }
    return parsed.data;
  };

  interface Connection {
    channel: string;
    identity: ChatIdentity | null;
    after: number | null;
    addr: string;
  }
  const connections = new WeakMap<Request, Connection>();

  /** Resolves and checks everything before upgrading, so refusals are plain HTTP errors. */
  const prepare: MiddlewareHandler<EdgeEnv> = async (c, next) => {
    const { kind, id } = paramsOf(c);
    const identity = await identityOf(c);
    const channel = await channelOf(kind, id, identity);
    connections.set(c.req.raw, { channel, identity, after: afterOf(c), addr: addressOf(c) });
    await next();
  };

  /** A subscriber that holds entries until the welcome frame has gone out. */
  const bufferedSubscriber = (send: (frame: string) => void) => {
    let queue: string[] | null = [];
    const subscriber: ChatSubscriber = {
      send: (frame) => (queue ? queue.push(frame) : send(frame)),
    };
    const open = () => {
      const pending = queue ?? [];
      queue = null;
      for (const frame of pending) send(frame);
    };
    return { subscriber, open };
  };

  const refusalFrame = (nonce: string | null, refusal: Refusal): ChatServerFrame => ({
    type: 'refused',
    nonce,
    ...refusal,
  });

  if (runtime.upgradeWebSocket) {
    const upgrade = runtime.upgradeWebSocket;
    app.get(
      '/chat/:kind/:id/ws',
      prepare,
      upgrade((c) => {
        const connection = connections.get(c.req.raw)!;
        const { channel, identity, after, addr } = connection;
        let badFrames = 0;
        let joined: ChatSubscriber | null = null;
        let socket: WSContext | null = null;
        // Any frame (a ping, at least) shows the peer is still there.
        const silentMs = runtime.silentCloseMs ?? CHAT_SILENT_CLOSE_MS;
        let heardAt = Date.now();
        let silence: ReturnType<typeof setInterval> | undefined;
        const stopListening = () => {
          socket = null;
          clearInterval(silence);
          if (joined) chat.leave(channel, joined);
        };
        const sendText = (ws: WSContext, text: string) => {
          const raw = ws.raw as { bufferedAmount?: number } | undefined;
          if ((raw?.bufferedAmount ?? 0) > MAX_BUFFERED_BYTES) {
            ws.close(1013, 'too far behind; reconnect');
            return;
          }
          ws.send(text);
        };
        const reply = (ws: WSContext, frame: ChatServerFrame) =>
          sendText(ws, JSON.stringify(frame));
        return {
          async onOpen(_event, ws) {
            socket = ws;
            silence = setInterval(() => {
              if (Date.now() - heardAt > silentMs) ws.close(4000, 'nothing heard; reconnect');
            }, Math.min(silentMs / 3, 10_000));
            const { subscriber, open } = bufferedSubscriber((frame) => sendText(ws, frame));
            try {
              const welcome = await chat.join(channel, identity, subscriber, after);
              joined = subscriber;
              if (socket === null) {
                chat.leave(channel, subscriber); // closed while joining
                return;
              }
              reply(ws, welcome);
              open();
            } catch (error) {
              deps.log.warn('chat join failed', { channel, error: String(error) });
              ws.close(1011, 'chat is unavailable; reconnect');
            }
          },
          async onMessage(event, ws) {
            heardAt = Date.now();
            const data = typeof event.data === 'string' ? event.data : null;
            const frame = data !== null && data.length <= MAX_FRAME_BYTES
              ? chatClientFrameSchema.safeParse(safeJson(data))
              : null;
            if (!frame?.success) {
              badFrames++;
              reply(
                ws,
                refusalFrame(null, {
                  code: 'bad_frame',
                  message: frame
                    ? `frame must be {"type":"send","nonce":"…","text":"…"}: ${
                      frame.error.issues[0]?.message
                    }`
                    : `frames must be JSON text of at most ${MAX_FRAME_BYTES} bytes`,
                }),
              );
              if (badFrames >= MAX_BAD_FRAMES) ws.close(1008, 'too many unusable frames');
              return;
            }
            if (frame.data.type === 'ping') return;
            const { nonce, text } = frame.data;
            try {
              const result = await chat.post(channel, identity?.author ?? null, addr, text);
              reply(
                ws,
                result.ok
                  ? { type: 'sent', nonce, seq: result.entry.seq }
                  : refusalFrame(nonce, result.refusal),
              );
            } catch (error) {
              deps.log.warn('chat post failed', { channel, error: String(error) });
              reply(
                ws,
                refusalFrame(nonce, {
                  code: 'rate_limited',
                  message: 'chat could not take the message just now; send it again',
                  retryAfterSeconds: 2,
                }),
              );
            }
          },
          onClose: stopListening,
          onError: stopListening,
        };
      }),
    );
  }

  // ------------------------------------------------------------ live: event stream + posts
  app.get('/chat/:kind/:id/events', prepare, (c) => {
    const { channel, identity, after } = connections.get(c.req.raw)!;
    return streamSSE(c, async (stream) => {
      // One event per entry, each with its number as the id (EventSource resumes by it).
      const { subscriber, open } = bufferedSubscriber((frame) => {
        const parsed = JSON.parse(frame) as ChatServerFrame;
        const entries = parsed.type === 'entry'
          ? [parsed.entry]
          : parsed.type === 'entries'
          ? parsed.entries
          : [];
        for (const entry of entries) {
          void stream.writeSSE({
            event: 'entry',
            id: String(entry.seq),
            data: JSON.stringify({ type: 'entry', entry }),
          });
        }
      });
      const welcome = await chat.join(channel, identity, subscriber, after);
      try {
        await stream.writeSSE({ event: 'welcome', data: JSON.stringify(welcome) });
        open();
        while (!stream.aborted && !stream.closed) {
          await stream.sleep(SSE_KEEPALIVE_MS);
          await stream.write(': keepalive\n\n');
        }
      } finally {
        chat.leave(channel, subscriber);
      }
    });
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/chat/{kind}/{id}/messages',
      tags: ['chat'],
      summary: 'Post a message (where the WebSocket cannot be used); as the chat cookie says',
      security: SECURITY.public,
      request: { params: s.chatTargetParams, body: jsonBody(s.chatPostBodySchema) },
      responses: responses(s.chatMessageSchema, 201),
    }),
    async (c) => {
      const { kind, id } = c.req.valid('param');
      const identity = await identityOf(c);
      const channel = await channelOf(kind, id, identity);
      const result = await chat.post(
        channel,
        identity?.author ?? null,
        addressOf(c),
        c.req.valid('json').text,
      );
      if (!result.ok) {
        if (result.refusal.retryAfterSeconds) {
          c.header('retry-after', String(result.refusal.retryAfterSeconds));
        }
        const { code, message } = result.refusal;
        throw new HttpError(REFUSAL_STATUS[code], message, undefined, code);
      }
      return c.json(result.entry, 201);
    },
  );

  // ------------------------------------------------------------ replay and moderation
  app.openapi(
    createRoute({
      method: 'get',
      path: '/chat/{kind}/{id}/replay',
      tags: ['chat'],
      summary: 'Messages written between two times, for the replay beside a recording',
      security: SECURITY.public,
      request: { params: s.chatTargetParams, query: s.chatReplayQuery },
      responses: responses(z.object({ messages: z.array(s.chatMessageSchema) }), 200),
    }),
    async (c) => {
      const { kind, id } = c.req.valid('param');
      const channel = await channelOf(kind, id, await identityOf(c));
      const { from, to, limit } = c.req.valid('query');
      const messages = await chat.replay(channel, {
        from: Date.parse(from),
        to: Date.parse(to),
        limit,
      });
      return c.json({ messages }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/chat/{kind}/{id}/messages/{seq}',
      tags: ['chat'],
      summary: 'Delete a message: gone for everyone, live',
      security: SECURITY.operator,
      request: { params: s.chatMessageParams, query: s.chatDeleteQuery },
      responses: responses(okSchema, 200),
    }),
    async (c) => {
      const { by, identity } = await moderatorOf(c);
      const { kind, id, seq } = c.req.valid('param');
      const channel = await channelOf(kind, id, identity);
      await chat.deleteMessage(channel, seq, by, c.req.valid('query').reason ?? '');
      return c.json({ ok: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/chat/{kind}/{id}/bans',
      tags: ['chat'],
      summary: 'Time out (seconds) or ban (no seconds) a person, here or in every channel',
      security: SECURITY.operator,
      request: { params: s.chatTargetParams, body: jsonBody(s.chatRestrictBodySchema) },
      responses: responses(okSchema, 201),
    }),
    async (c) => {
      const { by, identity } = await moderatorOf(c);
      const { kind, id } = c.req.valid('param');
      const channel = await channelOf(kind, id, identity);
      const body = c.req.valid('json');
      await chat.restrict(channel, { ...body, seconds: body.seconds ?? null }, by);
      return c.json({ ok: true as const }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/chat/{kind}/{id}/bans/{subject}',
      tags: ['chat'],
      summary: 'Lift the bans and time-outs of a person',
      security: SECURITY.operator,
      request: { params: s.chatSubjectParams },
      responses: responses(okSchema, 200),
    }),
    async (c) => {
      const { by, identity } = await moderatorOf(c);
      const { kind, id, subject } = c.req.valid('param');
      const channel = await channelOf(kind, id, identity);
      if (!await chat.unban(channel, subject, by)) {
        throw new HttpError(404, `${subject} is not banned or timed out here`);
      }
      return c.json({ ok: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/chat/{kind}/{id}/settings',
      tags: ['chat'],
      summary: 'The chat settings of a channel (as every joining reader sees them)',
      security: SECURITY.public,
      request: { params: s.chatTargetParams },
      responses: responses(s.chatSettingsSchema, 200),
    }),
    async (c) => {
      const { kind, id } = c.req.valid('param');
      const channel = await channelOf(kind, id, await identityOf(c));
      return c.json(await channelSettings(deps, channel), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/chat/{kind}/{id}/settings',
      tags: ['chat'],
      summary: 'Change the chat settings (mode, slow mode, links, guests, length)',
      security: SECURITY.operator,
      request: { params: s.chatTargetParams, body: jsonBody(s.chatSettingsPatchSchema) },
      responses: responses(s.chatSettingsSchema, 200),
    }),
    async (c) => {
      const { by, identity } = await moderatorOf(c);
      const { kind, id } = c.req.valid('param');
      const channel = await channelOf(kind, id, identity);
      return c.json(await chat.updateSettings(channel, c.req.valid('json'), by), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/chat/{kind}/{id}/moderation',
      tags: ['chat'],
      summary: 'The moderation log of a channel, newest first',
      security: SECURITY.operator,
      request: { params: s.chatTargetParams, query: s.chatLogQuery },
      responses: responses(
        z.object({ actions: z.array(s.chatModerationRecordSchema) }),
        200,
      ),
    }),
    async (c) => {
      const { identity } = await moderatorOf(c);
      const { kind, id } = c.req.valid('param');
      const channel = await channelOf(kind, id, identity);
      return c.json(
        { actions: await chat.moderationLog(channel, c.req.valid('query').limit) },
        200,
      );
    },
  );

  return app;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
