// Runs the alert rules against what the edge knows now and keeps the `alerts` table in step:
// a condition that starts holding opens an alert, one that stops resolves it, and each
// change queues its webhook deliveries. Several edges may run this at once: the partial
// unique index on open alerts' keys lets exactly one of them open each alert, and the
// `resolved_at IS NULL` guard lets exactly one resolve it; only that one queues deliveries.
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { CollectorHeartbeat } from '../../core/wire/contracts.ts';
import { randomBase64Url } from '../../core/wire/encoding.ts';
import { alerts, publishSessions, streamKeys } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { liveKeys } from '../live_keys.ts';
import { listNodes } from '../services/registry.ts';
import { listRooms } from '../services/rooms.ts';
import { roomLiveness, roomStatus } from '../services/viewing.ts';
import { type AlertCondition, type AlertFacts, evaluateRules, type RoomFacts } from './rules.ts';
import { queueDeliveries } from './webhooks.ts';

export type AlertRow = typeof alerts.$inferSelect;

export async function gatherFacts(deps: EdgeDeps): Promise<AlertFacts> {
  const now = deps.now();
  const rooms: RoomFacts[] = [];
  for (const room of await listRooms(deps)) {
    const { state, awaySince } = await roomLiveness(deps, room);
    if (state === 'offline' || state === 'ended') {
      rooms.push({
        id: room.id,
        title: room.title,
        state,
        awaySince,
        silentSeconds: null,
        output: null,
      });
      continue;
    }
    const collector = await deps.store.get(liveKeys.collectorStatus(room.id));
    const audio = collector ? (JSON.parse(collector) as CollectorHeartbeat).audio : undefined;
    const output = (await roomStatus(deps, room.id))?.output;
    rooms.push({
      id: room.id,
      title: room.title,
      state,
      awaySince,
      silentSeconds: audio?.silentSeconds ?? null,
      output: output
        ? { blackSeconds: output.blackSeconds, frozenSeconds: output.frozenSeconds }
        : null,
    });
  }
  const nodes = (await listNodes(deps)).map((node) => ({
    id: node.id,
    kind: node.kind,
    state: node.state,
    lastHeartbeatAt: node.lastHeartbeatAt === null ? null : Date.parse(node.lastHeartbeatAt),
    escalated: node.watchdog?.escalated ?? [],
  }));
  const since = now - deps.settings.alerts.keyLeakWindowMinutes * 60_000;
  const keyUses = await deps.db.select({
    keyId: streamKeys.id,
    keyHint: streamKeys.hint,
    roomId: publishSessions.roomId,
    addresses: sql<number>`count(distinct ${publishSessions.addr})`,
  }).from(publishSessions)
    .innerJoin(streamKeys, eq(streamKeys.id, publishSessions.streamKeyId))
    // A revoked key is what the operator does about a leak: it stops alerting.
    .where(and(gt(publishSessions.startedAt, since), isNull(streamKeys.revokedAt)))
    .groupBy(streamKeys.id, streamKeys.hint, publishSessions.roomId);
  return { now, rooms, nodes, keyUses };
}

/** One pass: the rules over the facts of now; what it opened and resolved. */
export async function evaluateAlerts(
  deps: EdgeDeps,
): Promise<{ fired: AlertRow[]; resolved: AlertRow[] }> {
  const conditions = evaluateRules(await gatherFacts(deps), deps.settings.alerts);
  const holding = new Map(conditions.map((condition) => [condition.key, condition]));
  const open = await deps.db.select().from(alerts).where(isNull(alerts.resolvedAt));
  const openKeys = new Set(open.map((alert) => alert.key));

  const fired: AlertRow[] = [];
  for (const condition of conditions) {
    if (openKeys.has(condition.key)) continue;
    const row = await openAlert(deps, condition);
    if (row) fired.push(row);
  }
  const resolved: AlertRow[] = [];
  for (const alert of open) {
    if (holding.has(alert.key)) continue;
    const [row] = await deps.db.update(alerts).set({ resolvedAt: deps.now() })
      .where(and(eq(alerts.id, alert.id), isNull(alerts.resolvedAt))).returning();
    if (row) resolved.push(row);
  }

  for (const alert of fired) {
    deps.log.warn('alert', {
      rule: alert.rule,
      room: alert.roomId,
      node: alert.nodeId,
      message: alert.message,
    });
    await queueDeliveries(deps, alert, 'fired');
  }
  for (const alert of resolved) {
    deps.log.info('alert resolved', { rule: alert.rule, room: alert.roomId, node: alert.nodeId });
    await queueDeliveries(deps, alert, 'resolved');
  }
  return { fired, resolved };
}

/** Opens the alert, or returns null when another edge opened it a moment ago. */
async function openAlert(deps: EdgeDeps, condition: AlertCondition): Promise<AlertRow | null> {
  const [row] = await deps.db.insert(alerts).values({
    id: randomBase64Url(12),
    key: condition.key,
    rule: condition.rule,
    severity: condition.severity,
    roomId: condition.roomId,
    nodeId: condition.nodeId,
    message: condition.message,
    firedAt: deps.now(),
  }).onConflictDoNothing().returning();
  return row ?? null;
}
