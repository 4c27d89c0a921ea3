// The edge's alert timers: the rules every `evaluateSeconds`, the webhook outbox every
// second. A pass that fails (the database away for a moment) is logged and the next one
// tries again; a pass still running when the next is due is not doubled up.
import type { EdgeDeps } from '../deps.ts';
import { evaluateAlerts } from './engine.ts';
import { deliverDue } from './webhooks.ts';

const DELIVERY_PASS_MS = 1000;

export function startAlertLoop(deps: EdgeDeps): { stop(): Promise<void> } {
  const every = (ms: number, what: string, pass: () => Promise<unknown>) => {
    let running: Promise<void> | null = null;
    const timer = setInterval(() => {
      running ??= pass()
        .then(
          () => {},
          (error) =>
            deps.log.warn(`${what} failed`, {
              reason: String((error as Error)?.message ?? error).slice(0, 200),
            }),
        )
        .finally(() => (running = null));
    }, ms);
    return async () => {
      clearInterval(timer);
      await running;
    };
  };
  const stops = [
    every(
      deps.settings.alerts.evaluateSeconds * 1000,
      'alert evaluation',
      () => evaluateAlerts(deps),
    ),
    every(DELIVERY_PASS_MS, 'alert delivery', () => deliverDue(deps)),
  ];
  return { stop: async () => void (await Promise.all(stops.map((stop) => stop()))) };
}
