// How many times the watchdog may act on one target (a room's ffmpeg, the collector's
// worker, a unit) within an hour. A remedy that keeps being needed is not working: past
// the budget the watchdog stops acting on that target and escalates to a person instead of
// restarting a talk every few seconds. The window slides, so a target gets its restarts
// back as its old ones age past the hour.
import type { WatchdogAction } from '../../core/wire/contracts.ts';

export const HOUR_MS = 60 * 60_000;

export interface RestartBudget {
  /** Whether `target` may be acted on now. */
  allows(target: string, now: number): boolean;
  record(action: WatchdogAction): void;
  /** Every action of the last hour, oldest first. */
  recent(now: number): WatchdogAction[];
}

export function createRestartBudget(maxPerHour: number): RestartBudget {
  let actions: WatchdogAction[] = [];
  const prune = (now: number) => {
    actions = actions.filter((action) => now - Date.parse(action.at) < HOUR_MS);
  };
  return {
    allows(target, now) {
      prune(now);
      return actions.filter((action) => action.target === target).length < maxPerHour;
    },
    record(action) {
      actions.push(action);
    },
    recent(now) {
      prune(now);
      return [...actions];
    },
  };
}
