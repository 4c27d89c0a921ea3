// Request and response shapes of the chat API (the frames on the socket are core/wire/chat).
import { z } from 'zod';
import {
  CHAT_MAX_LENGTH,
  CHAT_MODES,
  CHAT_ROLES,
  chatSettingsFieldsSchema,
  LINK_POLICIES,
} from '../../core/wire/chat.ts';
import { slugSchema } from '../../core/wire/contracts.ts';

export const chatTargetParams = z.object({
  kind: z.enum(['rooms', 'crew'], { error: "must be 'rooms' or 'crew'" }),
  id: slugSchema,
});

const seq = z.coerce.number({ error: 'must be a number' }).int({ error: 'must be a whole number' })
  .min(1, { error: 'must be 1 or more' }).max(Number.MAX_SAFE_INTEGER);

export const chatMessageParams = chatTargetParams.extend({ seq });

export const chatAuthorSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(CHAT_ROLES),
}).meta({ id: 'ChatAuthor' });

export const chatIdentityBodySchema = z.strictObject({
  guest: z.boolean({ error: 'must be true or false' }).optional().describe(
    'without a signed-in account: join as a guest (a name the edge makes up)',
  ),
});
export const chatIdentitySchema = z.object({ author: chatAuthorSchema.nullable() }).meta({
  id: 'ChatIdentity',
});

export const chatPostBodySchema = z.strictObject({
  // The exact limit is the channel's (maxLength); this only keeps huge bodies out early.
  text: z.string({ error: 'must be text' }).max(CHAT_MAX_LENGTH * 4, {
    error: `must be at most ${CHAT_MAX_LENGTH} characters`,
  }),
});

export const chatMessageSchema = z.object({
  kind: z.literal('message'),
  channel: z.string(),
  seq: z.number(),
  at: z.number(),
  author: chatAuthorSchema,
  text: z.string(),
}).meta({ id: 'ChatMessage' });

export const chatSettingsSchema = z.object({
  mode: z.enum(CHAT_MODES),
  slowModeSeconds: z.number(),
  links: z.enum(LINK_POLICIES),
  guests: z.boolean(),
  maxLength: z.number(),
}).meta({ id: 'ChatSettings' });

export const chatSettingsPatchSchema = chatSettingsFieldsSchema.refine(
  (patch) => Object.keys(patch).length > 0,
  { error: 'name at least one setting' },
);

const subject = z.string().regex(/^[ag]:[A-Za-z0-9_-]{1,64}$/, {
  error: "must be a chat author id like 'a:…' (account) or 'g:…' (guest)",
});
const reason = z.string({ error: 'must be text' }).max(500).default('');

export const chatRestrictBodySchema = z.strictObject({
  subject,
  /** Absent: a ban for good; a number: a time-out of that many seconds. */
  seconds: z.number({ error: 'must be a number' }).int({ error: 'must be whole' }).min(1)
    .max(30 * 86_400, { error: 'must be 1 s to 30 days' }).optional(),
  everywhere: z.boolean({ error: 'must be true or false' }).default(false).describe(
    'the ban counts in every chat channel, not just this one',
  ),
  reason,
});

export const chatSubjectParams = chatTargetParams.extend({ subject });
export const chatDeleteQuery = z.strictObject({ reason: z.string().max(500).optional() });

export const chatReplayQuery = z.strictObject({
  from: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone' }),
  to: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone' }),
  limit: z.coerce.number().int().min(1).max(5000, { error: 'must be 1-5000' }).default(1000),
}).refine((q) => Date.parse(q.from) < Date.parse(q.to), { error: "'from' must be before 'to'" });

export const chatModerationRecordSchema = z.object({
  id: z.string(),
  channel: z.string(),
  action: z.enum(['delete', 'timeout', 'ban', 'unban', 'settings']),
  by: z.object({ accountId: z.string(), name: z.string() }),
  subject: z.string().nullable(),
  detail: z.string(),
  reason: z.string(),
  at: z.number(),
}).meta({ id: 'ChatModerationRecord' });

export const chatLogQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000, { error: 'must be 1-1000' }).default(200),
});

export const chatStreamQuery = z.strictObject({
  after: z.coerce.number({ error: 'must be a number' }).int().min(0)
    .max(Number.MAX_SAFE_INTEGER).optional(),
});
