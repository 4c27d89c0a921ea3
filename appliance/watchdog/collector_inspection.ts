// What the watchdog checks on a collector box, from outside the daemon:
// - collector: its status API answers (the daemon's event loop is alive; it holds the
//   uplink, the recording's decisions and the crew's page); if not, three rounds in a
//   row, the unit is restarted.
// - pipeline: a playing worker has spoken within staleAfterTargetDurations GOPs (it sends
//   its input state every second, signal or not). A silent one is stuck inside GStreamer:
//   it is killed, and the daemon starts a new one (and a new recording file). A worker
//   that died is already being restarted by the daemon; that is reported, not acted on.
import { z } from 'zod';
import { getJson, type Systemctl } from './box_probes.ts';
import { restartUnitRemedy, stuckChild } from './remedies.ts';
import type { Finding, Inspection } from './watchdog.ts';

export const COLLECTOR_UNIT = 'roomcast-collector.service';
const UNANSWERED_ROUNDS = 3;

/** The part of the collector's status (appliance/collector/status.ts) the watchdog reads. */
const collectorStatusSchema = z.object({
  worker: z.object({
    state: z.enum(['starting', 'running', 'restarting', 'stopped']),
    pid: z.number().int().positive().nullable(),
    restarts: z.number().int().nonnegative(),
    lastError: z.string().nullable(),
    lastMessageAt: z.string().datetime({ offset: true }).nullable(),
  }),
});

export interface CollectorInspectionOptions {
  statusUrl: string;
  staleAfterTargetDurations: number;
  /** The collector's keyframe interval (collector.output.gopSeconds): its unit of time. */
  gopSeconds: number;
  systemctl: Systemctl;
  timeoutMs: number;
}

export function collectorInspection(options: CollectorInspectionOptions): Inspection {
  const limitMs = options.staleAfterTargetDurations * options.gopSeconds * 1000;
  return async (now) => {
    const status = await getJson(options.statusUrl, collectorStatusSchema, options.timeoutMs);
    if (!status.ok) {
      return [{
        name: 'collector',
        ok: false,
        detail: `the collector's status: ${status.reason}`,
        remedy: restartUnitRemedy({
          systemctl: options.systemctl,
          unit: COLLECTOR_UNIT,
          afterFailures: UNANSWERED_ROUNDS,
        }),
      }];
    }
    const { worker } = status.value;
    return [
      { name: 'collector', ok: true, detail: 'answers' },
      inspectWorker(worker, now, limitMs),
    ];
  };
}

function inspectWorker(
  worker: z.infer<typeof collectorStatusSchema>['worker'],
  now: number,
  limitMs: number,
): Finding {
  const name = 'pipeline';
  switch (worker.state) {
    case 'starting':
      return { name, ok: true, detail: 'starting' };
    case 'restarting':
    case 'stopped':
      return {
        name,
        ok: false,
        detail: `worker ${worker.state} (${worker.restarts} restart(s)): ${
          worker.lastError ?? 'no error reported'
        }`,
      };
    case 'running': {
      const heardAt = worker.lastMessageAt ? Date.parse(worker.lastMessageAt) : 0;
      const silentMs = now - heardAt;
      if (silentMs <= limitMs) return { name, ok: true, detail: 'playing' };
      const detail = `the pipeline worker has said nothing for ${
        heardAt ? `${(silentMs / 1000).toFixed(1)} s` : 'ever'
      } (limit ${limitMs / 1000} s)`;
      return stuckChild({
        name,
        detail,
        pid: worker.pid,
        action: 'killed-worker',
        identity: { commandIncludes: 'collector/worker/main' },
      });
    }
  }
}
