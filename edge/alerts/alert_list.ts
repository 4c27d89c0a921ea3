// Alerts as the operator API and the control room show them, and acknowledging one: a person
// saying "I am on it". Acknowledging silences nothing: the alert stays open until its
// condition ends, and its webhooks were sent when it fired.
import { and, desc, eq, isNull } from 'drizzle-orm';
import { alerts } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';

type AlertRow = typeof alerts.$inferSelect;

export interface AlertView {
  id: string;
  rule: AlertRow['rule'];
  severity: AlertRow['severity'];
  roomId: string | null;
  nodeId: string | null;
  message: string;
  firedAt: string;
  resolvedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toView(row: AlertRow): AlertView {
  return {
    id: row.id,
    rule: row.rule,
    severity: row.severity,
    roomId: row.roomId,
    nodeId: row.nodeId,
    message: row.message,
    firedAt: iso(row.firedAt)!,
    resolvedAt: iso(row.resolvedAt),
    acknowledgedAt: iso(row.acknowledgedAt),
    acknowledgedBy: row.acknowledgedBy,
  };
}

/** Open alerts (all of them), or the latest alerts open and resolved, newest first. */
export async function listAlerts(
  deps: EdgeDeps,
  filter: { openOnly: boolean; limit: number },
): Promise<AlertView[]> {
  const rows = await deps.db.select().from(alerts)
    .where(filter.openOnly ? isNull(alerts.resolvedAt) : undefined)
    .orderBy(desc(alerts.firedAt)).limit(filter.limit);
  return rows.map(toView);
}

export async function acknowledgeAlert(
  deps: EdgeDeps,
  id: string,
  by: string,
): Promise<AlertView> {
  const [row] = await deps.db.update(alerts).set({ acknowledgedAt: deps.now(), acknowledgedBy: by })
    .where(and(eq(alerts.id, id), isNull(alerts.acknowledgedAt))).returning();
  if (row) return toView(row);
  const existing = (await deps.db.select().from(alerts).where(eq(alerts.id, id)))[0];
  if (!existing) throw new HttpError(404, `no alert '${id}'`);
  return toView(existing); // acknowledged before: the first acknowledgement stands
}
