// The watchdog's judgement, apart from what it looks at: each check round the box's
// inspection returns findings; a failing finding with a remedy gets it once it has failed
// often enough in a row, within the target's restart budget; then the finding is left to
// settle before it can be acted on again. A target past its budget is escalated: reported,
// logged once, and left alone until the hour gives a restart back. Nothing an inspection
// or a remedy does can stop the rounds: a throw becomes a failing finding.
import type { Logger } from '../../core/log.ts';
import type { WatchdogAction, WatchdogCheck, WatchdogReport } from '../../core/wire/contracts.ts';
import { createRestartBudget } from './restart_budget.ts';

export interface Remedy {
  /** What the budget counts and the report names: `room:<id>`, `pipeline`, `roomcast-encoder`. */
  target: string;
  action: WatchdogAction['action'];
  /** Failing rounds in a row before it is applied. */
  afterFailures: number;
  /** How long the finding is left alone after the remedy, to recover. */
  settleMs: number;
  /** Applies it; answers why it was not applied (the process is gone already…), or null. */
  apply(): Promise<string | null>;
}

export interface Finding extends WatchdogCheck {
  remedy?: Remedy;
}

export type Inspection = (now: number) => Promise<Finding[]>;

export type WatchdogRound = Pick<WatchdogReport, 'state' | 'checks' | 'actions' | 'escalated'>;

export interface WatchdogOptions {
  inspect: Inspection;
  maxRestartsPerHour: number;
  log: Logger;
  now?: () => number;
}

interface FindingMemory {
  failures: number;
  settleUntil: number;
}

export function createWatchdog(options: WatchdogOptions): { round(): Promise<WatchdogRound> } {
  const { log, maxRestartsPerHour } = options;
  const now = options.now ?? Date.now;
  const budget = createRestartBudget(maxRestartsPerHour);
  const memory = new Map<string, FindingMemory>();
  const escalated = new Map<string, WatchdogReport['escalated'][number]>();

  const inspect = async (at: number): Promise<Finding[]> => {
    try {
      return await options.inspect(at);
    } catch (error) {
      log.error('inspection failed', { reason: (error as Error).message });
      return [{
        name: 'watchdog',
        ok: false,
        detail: `inspection failed: ${(error as Error).message}`,
      }];
    }
  };

  /** Applies the finding's remedy if its time has come; returns what to add to its detail. */
  const treat = async (finding: Finding, remedy: Remedy, seen: FindingMemory, at: number) => {
    if (seen.failures < remedy.afterFailures || at < seen.settleUntil) return '';
    if (!budget.allows(remedy.target, at)) {
      if (!escalated.has(remedy.target)) {
        const reason =
          `${maxRestartsPerHour} restart(s) in the last hour did not help: ${finding.detail}`;
        escalated.set(remedy.target, {
          target: remedy.target,
          reason,
          since: new Date(at).toISOString(),
        });
        log.error('escalating: stopped restarting, a person is needed', {
          target: remedy.target,
          reason,
        });
      }
      return ' (escalated: no more restarts this hour)';
    }
    escalated.delete(remedy.target);
    let skipped: string | null;
    try {
      skipped = await remedy.apply();
    } catch (error) {
      skipped = `${remedy.action} failed: ${(error as Error).message}`;
      log.error('remedy failed', { target: remedy.target, reason: skipped });
    }
    if (skipped) return ` (${skipped})`;
    const action: WatchdogAction = {
      target: remedy.target,
      action: remedy.action,
      at: new Date(at).toISOString(),
      reason: finding.detail.slice(0, 300),
    };
    budget.record(action);
    log.warn(`${remedy.action} ${remedy.target}`, { reason: finding.detail });
    seen.failures = 0;
    seen.settleUntil = at + remedy.settleMs;
    return ` (${remedy.action})`;
  };

  return {
    async round() {
      const at = now();
      const findings = await inspect(at);
      const checks: WatchdogCheck[] = [];
      const failingTargets = new Set<string>();
      for (const finding of findings) {
        const { name, ok, remedy } = finding;
        if (ok) {
          memory.delete(name);
          checks.push({ name, ok, detail: finding.detail });
          continue;
        }
        const seen = memory.get(name) ?? { failures: 0, settleUntil: 0 };
        memory.set(name, seen);
        seen.failures += 1;
        let detail = finding.detail;
        if (remedy) {
          failingTargets.add(remedy.target);
          detail += await treat(finding, remedy, seen, at);
        }
        checks.push({ name, ok, detail: detail.slice(0, 300) });
      }
      // Findings that went away (a room that ended) are forgotten, and so are escalations
      // whose problem cleared up by itself.
      const names = new Set(findings.map((finding) => finding.name));
      for (const name of memory.keys()) if (!names.has(name)) memory.delete(name);
      for (const target of escalated.keys()) {
        if (!failingTargets.has(target)) escalated.delete(target);
      }
      const state = escalated.size ? 'escalated' : checks.every((c) => c.ok) ? 'ok' : 'degraded';
      return { state, checks, actions: budget.recent(at), escalated: [...escalated.values()] };
    },
  };
}
