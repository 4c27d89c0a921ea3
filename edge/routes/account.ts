// A person's own account (what the account page shows: keys, credits, usage, why a stream
// was cut off), their application to stream, buying credits (Stripe Checkout and its
// webhook), and the admins' approvals.
import { desc, eq, inArray } from 'drizzle-orm';
import { accounts, publishSessions } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { requireRole } from '../auth/middleware.ts';
import { billingStatus } from '../billing/metering.ts';
import { entriesOf } from '../billing/ledger.ts';
import { fromMilli } from '../billing/credits.ts';
import { toIso } from '../iso_time.ts';
import { HttpError } from '../http_error.ts';
import {
  createStripeClient,
  handleStripeWebhook,
  startCheckout,
  stripeConfigured,
} from '../billing/stripe.ts';
import { ROLES } from '../db/schema.ts';
import { listStreamKeys } from '../services/stream_keys.ts';
import { listRooms } from '../services/rooms.ts';
import { applyToStream, decideApplication, pendingApplications } from '../services/streamers.ts';
import { createRoute, idParams, jsonBody, newRouter, responses, SECURITY } from './route.ts';
import * as a from './account_schemas.ts';
import { accountSchema, list } from './schemas.ts';

async function lastSessions(deps: EdgeDeps, roomIds: string[]) {
  if (!roomIds.length) return new Map<string, typeof publishSessions.$inferSelect>();
  const rows = await deps.db.select().from(publishSessions)
    .where(inArray(publishSessions.roomId, roomIds)).orderBy(desc(publishSessions.startedAt));
  const newest = new Map<string, typeof publishSessions.$inferSelect>();
  for (const row of rows) if (!newest.has(row.roomId)) newest.set(row.roomId, row);
  return newest;
}

export function accountRoutes(deps: EdgeDeps) {
  const app = newRouter();
  const anyone = requireRole(deps, ROLES);
  const admins = requireRole(deps, ['admin']);

  app.use('/me/*', anyone);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/me/summary',
      tags: ['account'],
      summary: 'Your account page: rooms and their keys (hints), credits, usage',
      security: SECURITY.operator,
      responses: responses(a.accountSummarySchema, 200),
    }),
    async (c) => {
      const account = c.get('account');
      const row = (await deps.db.select().from(accounts).where(eq(accounts.id, account.id)))[0]!;
      const owned = (await listRooms(deps)).filter((r) => r.ownerAccountId === account.id);
      const sessions = await lastSessions(deps, owned.map((r) => r.id));
      const rooms = await Promise.all(owned.map(async (room) => {
        const last = sessions.get(room.id);
        return {
          id: room.id,
          title: room.title,
          state: room.state,
          keys: await listStreamKeys(deps, room.id),
          lastSession: last
            ? {
              startedAt: toIso(last.startedAt)!,
              endedAt: toIso(last.endedAt),
              endReason: last.endReason,
              endDetail: last.endDetail,
            }
            : null,
        };
      }));
      const usage = (await entriesOf(deps, account.id, { limit: 50 })).map((entry) => ({
        kind: entry.kind,
        credits: fromMilli(entry.delta),
        memo: entry.memo,
        at: toIso(entry.at)!,
      }));
      const stripeSettings = deps.settings.billing.stripe;
      return c.json({
        account,
        application: row.streamerState === 'pending'
          ? { roomId: row.streamerRoomId ?? '', title: row.streamerRoomTitle ?? '' }
          : null,
        billing: await billingStatus(deps, row),
        rooms,
        usage,
        packs: stripeConfigured(stripeSettings) ? stripeSettings.packs : [],
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/me/streamer-application',
      tags: ['account'],
      summary: 'Ask to stream: name the room you want; an admin approves or refuses',
      security: SECURITY.operator,
      request: { body: jsonBody(a.streamerApplicationBodySchema) },
      responses: responses(a.applicationSchema, 201),
    }),
    async (c) => {
      const { roomId, title } = c.req.valid('json');
      const application = await applyToStream(deps, c.get('account'), { roomId, title });
      return c.json(
        { account: application.account, roomId, roomTitle: application.roomTitle },
        201,
      );
    },
  );

  app.use('/approvals', admins);
  app.use('/approvals/*', admins);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/approvals',
      tags: ['accounts'],
      summary: 'Applications to stream waiting for an admin',
      security: SECURITY.operator,
      responses: responses(list('applications', a.applicationSchema), 200),
    }),
    async (c) => c.json({ applications: await pendingApplications(deps) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/approvals/{id}',
      tags: ['accounts'],
      summary: 'Approve (room created, role streamer, welcome credits) or refuse an application',
      security: SECURITY.operator,
      request: { params: idParams, body: jsonBody(a.decisionBodySchema) },
      responses: responses(accountSchema, 200),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { decision } = c.req.valid('json');
      return c.json(await decideApplication(deps, id, decision), 200);
    },
  );
  const stripe = stripeConfigured(deps.settings.billing.stripe)
    ? createStripeClient(deps.settings.billing.stripe)
    : null;
  const needStripe = () => {
    if (!stripe) {
      throw new HttpError(
        404,
        'payments are not set up on this edge (edge.billing.stripe.secretKey and webhookSecret)',
      );
    }
    return stripe;
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/me/checkout',
      tags: ['account'],
      summary: 'Buy a credit pack: a Stripe Checkout page to send the person to',
      security: SECURITY.operator,
      request: { body: jsonBody(a.checkoutBodySchema) },
      responses: responses(a.checkoutSchema, 201),
    }),
    async (c) => {
      const started = await startCheckout(
        deps,
        needStripe(),
        c.get('account'),
        c.req.valid('json').pack,
      );
      return c.json(started, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/billing/stripe/webhook',
      tags: ['billing'],
      summary: "Stripe's webhook: paid Checkout Sessions credit their pack, once",
      description: 'Signed by Stripe (Stripe-Signature header) with the endpoint signing secret.',
      security: SECURITY.public,
      responses: responses(a.webhookAnswerSchema, 200),
    }),
    async (c) => {
      const outcome = await handleStripeWebhook(
        deps,
        needStripe(),
        await c.req.text(),
        c.req.header('stripe-signature'),
      );
      return c.json({ received: true as const, outcome }, 200);
    },
  );
  return app;
}
