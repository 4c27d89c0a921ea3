// Alert webhooks through an outbox (`alert_deliveries`): each alert change is queued once
// per receiver, and any edge delivers what is due, so a receiver that is down, slow or
// answering 5xx gets the change later, through restarts, until the attempts run out and the
// row is dead (listed for the operator, who can send it again). Three body formats: the
// alert as JSON, Discord's `{content}` and Slack's `{text}`. Receiver URLs carry tokens
// (Discord, Slack): they are never logged or stored; a delivery names its receiver.
import { and, asc, desc, eq, isNull, lte, or } from 'drizzle-orm';
import { WIRE_VERSION } from '../../core/wire/contracts.ts';
import { randomBase64Url } from '../../core/wire/encoding.ts';
import { alertDeliveries, alerts } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';

type AlertRow = typeof alerts.$inferSelect;
type DeliveryRow = typeof alertDeliveries.$inferSelect;
type Webhook = EdgeDeps['settings']['alerts']['webhooks'][number];
export type AlertChange = 'fired' | 'resolved';

/** Rows one delivery pass takes on; the rest wait for the next pass. */
const BATCH = 20;
/** Waits between attempts: quick at first, then a receiver that is down gets room. */
const RETRY_DELAYS_MS = [1000, 5000, 30_000, 120_000, 600_000];
/** The longest wait a receiver's Retry-After is followed for. */
const MAX_RETRY_AFTER_MS = 600_000;

export async function queueDeliveries(
  deps: EdgeDeps,
  alert: AlertRow,
  change: AlertChange,
): Promise<void> {
  const now = deps.now();
  for (const webhook of deps.settings.alerts.webhooks) {
    await deps.db.insert(alertDeliveries).values({
      id: randomBase64Url(12),
      alertId: alert.id,
      webhook: webhook.name,
      change,
      state: 'pending',
      nextAttemptAt: now,
      createdAt: now,
    }).onConflictDoNothing();
  }
}

/** The body a receiver of `format` gets for one alert change. */
export function webhookBody(
  format: Webhook['format'],
  alert: AlertRow,
  change: AlertChange,
  controlRoomUrl: string,
): unknown {
  if (format === 'json') {
    return {
      v: WIRE_VERSION,
      change,
      alert: {
        id: alert.id,
        rule: alert.rule,
        severity: alert.severity,
        room: alert.roomId,
        node: alert.nodeId,
        message: alert.message,
        firedAt: new Date(alert.firedAt).toISOString(),
        resolvedAt: alert.resolvedAt === null ? null : new Date(alert.resolvedAt).toISOString(),
      },
      controlRoomUrl,
    };
  }
  const line = change === 'fired'
    ? `${alert.severity === 'critical' ? '🔴' : '🟠'} ${alert.severity}: ${alert.message}`
    : `✅ resolved: ${alert.message}`;
  // Discord takes 2000 characters; Slack more, but a line is what fits a phone's lock screen.
  const text = `${line} (${controlRoomUrl})`.slice(0, 1900);
  return format === 'discord' ? { content: text, allowed_mentions: { parse: [] } } : { text };
}

/**
 * Sends what is due. Each row is claimed first (for twice the timeout), so two edges never
 * send the same row at the same time. Returns how many were delivered.
 */
export async function deliverDue(deps: EdgeDeps): Promise<number> {
  const now = deps.now();
  const due = await deps.db.select().from(alertDeliveries).where(and(
    eq(alertDeliveries.state, 'pending'),
    lte(alertDeliveries.nextAttemptAt, now),
    or(isNull(alertDeliveries.claimedUntil), lte(alertDeliveries.claimedUntil, now)),
  )).orderBy(asc(alertDeliveries.nextAttemptAt)).limit(BATCH);
  let delivered = 0;
  for (const row of due) {
    if (await deliverOne(deps, row)) delivered++;
  }
  return delivered;
}

async function deliverOne(deps: EdgeDeps, row: DeliveryRow): Promise<boolean> {
  const { alerts: settings } = deps.settings;
  const timeoutMs = settings.deliveryTimeoutSeconds * 1000;
  const now = deps.now();
  const [claimed] = await deps.db.update(alertDeliveries).set({ claimedUntil: now + 2 * timeoutMs })
    .where(and(
      eq(alertDeliveries.id, row.id),
      eq(alertDeliveries.state, 'pending'),
      or(isNull(alertDeliveries.claimedUntil), lte(alertDeliveries.claimedUntil, now)),
    )).returning();
  if (!claimed) return false;

  const webhook = settings.webhooks.find((w) => w.name === row.webhook);
  const alert = (await deps.db.select().from(alerts).where(eq(alerts.id, row.alertId)))[0];
  if (!webhook || !alert) {
    await finish(deps, row, {
      state: 'dead',
      lastError: `webhook '${row.webhook}' is no longer configured`,
    });
    return false;
  }
  const outcome = await post(
    webhook.url,
    webhookBody(webhook.format, alert, row.change, `${deps.settings.publicUrl}/control`),
    timeoutMs,
  );
  const attempts = row.attempts + 1;
  if (outcome.ok) {
    await finish(deps, row, {
      state: 'delivered',
      attempts,
      deliveredAt: deps.now(),
      lastError: null,
    });
    return true;
  }
  const dead = attempts >= settings.deliveryAttempts;
  const delay = outcome.retryAfterMs ??
    RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1]!;
  await finish(deps, row, {
    state: dead ? 'dead' : 'pending',
    attempts,
    lastError: outcome.error,
    nextAttemptAt: deps.now() + delay,
  });
  deps.log.warn(
    dead ? 'alert webhook gave up; see the dead-letter list' : 'alert webhook failed; retrying',
    {
      webhook: row.webhook,
      attempt: attempts,
      reason: outcome.error,
    },
  );
  return false;
}

async function finish(deps: EdgeDeps, row: DeliveryRow, values: Partial<DeliveryRow>) {
  await deps.db.update(alertDeliveries).set({ ...values, claimedUntil: null })
    .where(eq(alertDeliveries.id, row.id));
}

type Outcome = { ok: true } | { ok: false; error: string; retryAfterMs: number | null };

async function post(url: string, body: unknown, timeoutMs: number): Promise<Outcome> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'roomcast-alerts' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    await response.body?.cancel();
    if (response.ok) return { ok: true };
    return { ok: false, error: `HTTP ${response.status}`, retryAfterMs: retryAfter(response) };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { ok: false, error: `no answer within ${timeoutMs / 1000} s`, retryAfterMs: null };
    }
    // fetch's own message is "fetch failed"; the cause says why, without the URL.
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return {
      ok: false,
      error: `could not connect${cause ? ` (${cause})` : ''}`,
      retryAfterMs: null,
    };
  }
}

/** Discord and Slack answer 429 with Retry-After (seconds); followed up to a limit. */
function retryAfter(response: Response): number | null {
  if (response.status !== 429 && response.status !== 503) return null;
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds >= 0
    ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS)
    : null;
}

export interface DeliveryView {
  id: string;
  alertId: string;
  webhook: string;
  change: AlertChange;
  state: DeliveryRow['state'];
  attempts: number;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  message: string;
}

/** Deliveries, newest first: the dead-letter list when `state` is dead. */
export async function listDeliveries(
  deps: EdgeDeps,
  state: DeliveryRow['state'] | undefined,
  limit: number,
): Promise<DeliveryView[]> {
  const rows = await deps.db.select({ delivery: alertDeliveries, message: alerts.message })
    .from(alertDeliveries).innerJoin(alerts, eq(alerts.id, alertDeliveries.alertId))
    .where(state ? eq(alertDeliveries.state, state) : undefined)
    .orderBy(desc(alertDeliveries.createdAt)).limit(limit);
  return rows.map(({ delivery, message }) => ({
    id: delivery.id,
    alertId: delivery.alertId,
    webhook: delivery.webhook,
    change: delivery.change,
    state: delivery.state,
    attempts: delivery.attempts,
    lastError: delivery.lastError,
    createdAt: new Date(delivery.createdAt).toISOString(),
    deliveredAt: delivery.deliveredAt === null
      ? null
      : new Date(delivery.deliveredAt).toISOString(),
    message,
  }));
}

/** A dead delivery goes out again, with its attempts counted afresh. */
export async function retryDelivery(deps: EdgeDeps, id: string): Promise<void> {
  const [row] = await deps.db.update(alertDeliveries).set({
    state: 'pending',
    attempts: 0,
    nextAttemptAt: deps.now(),
    claimedUntil: null,
  }).where(and(eq(alertDeliveries.id, id), eq(alertDeliveries.state, 'dead'))).returning();
  if (row) return;
  const exists =
    (await deps.db.select().from(alertDeliveries).where(eq(alertDeliveries.id, id)))[0];
  if (!exists) throw new HttpError(404, `no alert delivery '${id}'`);
  throw new HttpError(
    409,
    `delivery '${id}' is ${exists.state}; only a dead one can be sent again`,
  );
}
