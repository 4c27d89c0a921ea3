// Shapes of a person's own account API (summary, streamer application, checkout) and of
// the admins' approvals.
import { z } from 'zod';
import { roomIdSchema } from '../../core/wire/contracts.ts';
import { LEDGER_KINDS, SESSION_END_REASONS } from '../db/schema.ts';
import { accountSchema, streamKeyInfoSchema } from './schemas.ts';

export const billingStatusSchema = z.object({
  enabled: z.boolean(),
  plan: z.string(),
  balance: z.number().describe('credits'),
  state: z.enum(['ok', 'low', 'grace', 'empty']),
  warning: z.string().nullable(),
}).meta({ id: 'BillingStatus' });

export const usageEntrySchema = z.object({
  kind: z.enum(LEDGER_KINDS),
  credits: z.number().describe('positive: added; negative: used'),
  memo: z.string(),
  at: z.string(),
});

export const ownRoomSchema = z.object({
  id: z.string(),
  title: z.string(),
  state: z.string(),
  keys: z.array(streamKeyInfoSchema),
  lastSession: z.object({
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    endReason: z.enum(SESSION_END_REASONS).nullable(),
    endDetail: z.string().nullable().describe('why billing cut it off, for the streamer'),
  }).nullable(),
});

export const accountSummarySchema = z.object({
  account: accountSchema,
  application: z.object({ roomId: z.string(), title: z.string() }).nullable(),
  billing: billingStatusSchema,
  rooms: z.array(ownRoomSchema),
  usage: z.array(usageEntrySchema).describe('newest first, up to 50'),
  packs: z.array(z.object({
    id: z.string(),
    credits: z.number(),
    amountCents: z.number(),
    currency: z.string(),
  })).describe('credit packs for sale (empty where Stripe is not set up)'),
}).meta({ id: 'AccountSummary' });

export const streamerApplicationBodySchema = z.object({
  roomId: roomIdSchema.describe('the room name wanted: lowercase letters, digits, dashes'),
  title: z.string().trim().min(1).max(200),
}).strict();

export const applicationSchema = z.object({
  account: accountSchema,
  roomId: z.string(),
  roomTitle: z.string(),
}).meta({ id: 'StreamerApplication' });

export const decisionBodySchema = z.object({
  decision: z.enum(['approve', 'refuse']),
}).strict();

export const checkoutBodySchema = z.object({
  pack: z.string().min(1).max(63).describe('id of a credit pack (edge.billing.stripe.packs)'),
}).strict();

export const checkoutSchema = z.object({
  url: z.string().describe('the Stripe Checkout page'),
  sessionId: z.string(),
}).meta({ id: 'CheckoutStarted' });

export const webhookAnswerSchema = z.object({
  received: z.literal(true),
  outcome: z.enum(['credited', 'alreadyCredited', 'notPaid', 'ignored']),
});
