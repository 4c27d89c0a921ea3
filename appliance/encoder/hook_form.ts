// nginx-rtmp's notify hooks arrive as urlencoded forms (`call=publish&name=…&clientid=…`).
// They are parsed into typed values here, once; anything malformed is refused with a
// reason, never thrown. The publish form's `name` is the stream key, and nginx-rtmp keeps
// sending the key as `name` in update and publish-done even after the rename to the room:
// only publish keeps it (for the signed relay to the edge); it is never logged or echoed.
// nginx appends the publisher's own query arguments raw after its fields, so a publisher
// could add a second `clientid=` or `call=`: the first value of each field is nginx's.
import { z } from 'zod';

const clientId = z.string().regex(/^[0-9]{1,20}$/, 'clientid must be digits');
const app = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'app must be a plain name');
const addr = z.string().min(1).max(64);
const streamName = z.string().max(256);
const seconds = z.coerce.number().nonnegative().finite();

const publishForm = z.object({
  call: z.literal('publish'),
  app,
  name: streamName,
  clientid: clientId,
  addr,
});
const updateForm = z.object({
  // on_update fires for players (the agent's own ffmpeg) too, as update_play.
  call: z.enum(['update_publish', 'update_play']),
  app,
  name: streamName,
  clientid: clientId,
  time: seconds.default(0),
});
const publishDoneForm = z.object({
  call: z.literal('publish_done'),
  app,
  name: streamName,
  clientid: clientId,
});
const playForm = z.object({
  call: z.literal('play'),
  app,
  name: streamName,
  clientid: clientId,
  addr,
});

export type PublishHook = {
  hook: 'publish';
  app: string;
  streamKey: string;
  clientId: string;
  addr: string;
};
export type UpdateHook = {
  hook: 'update';
  app: string;
  clientId: string;
  time: number;
  /** A player's update (the agent's own ffmpeg reading the room), not a publisher's. */
  player: boolean;
};
export type PublishDoneHook = { hook: 'publish-done'; app: string; clientId: string };
export type PlayHook = { hook: 'play'; app: string; name: string; clientId: string; addr: string };
export type Hook = PublishHook | UpdateHook | PublishDoneHook | PlayHook;
export type HookName = Hook['hook'];

export const HOOK_NAMES: readonly HookName[] = ['publish', 'update', 'publish-done', 'play'];

export type ParsedHook = { ok: true; hook: Hook } | { ok: false; reason: string };

/** Names the fields that are wrong, never their values (the publish name is a key). */
function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'form'}: ${issue.message}`)
    .join('; ');
}

export function parseHookForm(hook: HookName, body: string): ParsedHook {
  const params = new URLSearchParams(body);
  // First value wins: nginx's own fields come before anything the publisher appended.
  const form: Record<string, string> = {};
  for (const [name, value] of params) if (!(name in form)) form[name] = value;
  switch (hook) {
    case 'publish': {
      const parsed = publishForm.safeParse(form);
      if (!parsed.success) return { ok: false, reason: describe(parsed.error) };
      const { app, name, clientid, addr } = parsed.data;
      if (!name) return { ok: false, reason: 'no stream key given' };
      return { ok: true, hook: { hook, app, streamKey: name, clientId: clientid, addr } };
    }
    case 'update': {
      const parsed = updateForm.safeParse(form);
      if (!parsed.success) return { ok: false, reason: describe(parsed.error) };
      const { app, clientid, time, call } = parsed.data;
      return {
        ok: true,
        hook: { hook, app, clientId: clientid, time, player: call === 'update_play' },
      };
    }
    case 'publish-done': {
      const parsed = publishDoneForm.safeParse(form);
      if (!parsed.success) return { ok: false, reason: describe(parsed.error) };
      const { app, clientid } = parsed.data;
      return { ok: true, hook: { hook, app, clientId: clientid } };
    }
    case 'play': {
      const parsed = playForm.safeParse(form);
      if (!parsed.success) return { ok: false, reason: describe(parsed.error) };
      const { app, name, clientid, addr } = parsed.data;
      return { ok: true, hook: { hook, app, name, clientId: clientid, addr } };
    }
  }
}
