// What the boxes' watchdogs report, every check interval: their checks, what they did about
// failures, and what they gave up on. The edge keeps only each node's latest report, for a
// few intervals: a watchdog that falls silent drops out of the operator view, and that
// silence is itself the signal. A new escalation (a target the watchdog stopped restarting)
// is logged once, as a warning, because it needs a person.
import type {
  NodeKind,
  WatchdogAck,
  WatchdogAction,
  WatchdogCheck,
  WatchdogReport,
} from '../../core/wire/contracts.ts';
import { WIRE_VERSION } from '../../core/wire/contracts.ts';
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';
import { liveKeys } from '../live_keys.ts';

/** A node's watchdog as the operator API shows it (`NodeInfo.watchdog`). */
export interface NodeWatchdog {
  state: WatchdogReport['state'];
  /** When the edge received the report (ISO); the edge's clock, not the box's. */
  at: string;
  /** The checks that failed. */
  failing: Pick<WatchdogCheck, 'name' | 'detail'>[];
  actionsLastHour: number;
  /** The newest thing the watchdog did, if anything this hour. */
  lastAction: WatchdogAction | null;
  escalated: WatchdogReport['escalated'];
}

/** The report as received, and when (unix ms, the edge's clock). */
type StoredReport = WatchdogReport & { at: number };

/** Reports a watchdog may miss before the edge forgets it. */
const MISSED_REPORTS = 3;
/** Never shorter: one late report at a short interval must not blank the operator view. */
const MIN_TTL_SECONDS = 15;

export function watchdogTtlMs(intervalSeconds: number): number {
  return Math.max(MISSED_REPORTS * intervalSeconds, MIN_TTL_SECONDS) * 1000;
}

/**
 * Keeps a node's latest watchdog report. The node need not have registered: the watchdog
 * may start before the agent does, and an agent that cannot register is exactly what the
 * operator should hear about from the watchdog.
 */
export async function recordWatchdogReport(
  deps: EdgeDeps,
  node: { id: string; kind: NodeKind },
  report: WatchdogReport,
): Promise<WatchdogAck> {
  if (report.kind !== node.kind) {
    throw new HttpError(
      409,
      `node '${node.id}' was added as ${node.kind}, not ${report.kind}: its watchdog must report kind '${node.kind}'`,
    );
  }
  const previous = await readReport(deps, node.id);
  const stored: StoredReport = { ...report, at: deps.now() };
  await deps.store.set(liveKeys.watchdog(node.id), JSON.stringify(stored), {
    ttlMs: watchdogTtlMs(report.intervalSeconds),
  });
  logEscalationChange(deps, node.id, previous, report);
  return { v: WIRE_VERSION, ok: true };
}

/** The node's watchdog while its last report is fresh, else null. */
export async function nodeWatchdog(deps: EdgeDeps, nodeId: string): Promise<NodeWatchdog | null> {
  const stored = await readReport(deps, nodeId);
  return stored ? watchdogView(stored) : null;
}

/** A removed node's report must not show up on a node later added under the same id. */
export async function forgetWatchdog(deps: EdgeDeps, nodeId: string): Promise<void> {
  await deps.store.del(liveKeys.watchdog(nodeId));
}

async function readReport(deps: EdgeDeps, nodeId: string): Promise<StoredReport | null> {
  const text = await deps.store.get(liveKeys.watchdog(nodeId));
  return text ? JSON.parse(text) as StoredReport : null;
}

function watchdogView(stored: StoredReport): NodeWatchdog {
  return {
    state: stored.state,
    at: new Date(stored.at).toISOString(),
    failing: stored.checks.filter((check) => !check.ok).map(({ name, detail }) => ({
      name,
      detail,
    })),
    // The watchdog sends its last hour of actions, oldest first; its clock decides the hour.
    actionsLastHour: stored.actions.length,
    lastAction: stored.actions.at(-1) ?? null,
    escalated: stored.escalated,
  };
}

/**
 * Warns when the watchdog escalates, or escalates one more target, and says so when it is
 * no longer escalated; a report that changes nothing logs nothing, so a box stuck in
 * escalation does not fill the log every few seconds. Only targets and reasons are logged.
 */
function logEscalationChange(
  deps: EdgeDeps,
  nodeId: string,
  previous: WatchdogReport | null,
  report: WatchdogReport,
) {
  const wasEscalated = previous?.state === 'escalated';
  if (report.state !== 'escalated') {
    if (wasEscalated) {
      deps.log.info('watchdog no longer escalated', { node: nodeId, state: report.state });
    }
    return;
  }
  const before = new Set(wasEscalated ? previous.escalated.map((e) => e.target) : []);
  const isNews = !wasEscalated || report.escalated.some((e) => !before.has(e.target));
  if (!isNews) return;
  deps.log.warn('watchdog escalated: it stopped restarting and needs a person', {
    node: nodeId,
    targets: report.escalated.map((e) => e.target).join(', '),
    reasons: report.escalated.map((e) => `${e.target}: ${e.reason}`).join('; '),
  });
}
