// `roomcast collector`: starts the daemon (pipeline worker, uplink, recording, status page,
// edge heartbeat) and runs until a signal; on SIGTERM/SIGINT the worker stops the
// pipeline, so the last recording file ends cleanly.
//
// Readiness for systemd (Type=notify): READY=1 once the status page listens (the daemon's
// start resolves only then) and the capture pipeline plays — the same `worker.state` the
// status API reports as 'running'. A pipeline that never plays (no capture device) never
// sends READY; systemd's TimeoutStartSec then restarts the box, crash-only. STATUS follows
// the state the crew's page shows, so `systemctl status` tells the same story.
import type { Logger } from '../../core/log.ts';
import type { ServiceNotifier } from '../../core/systemd/notify.ts';
import { type Collector, startCollector } from './daemon.ts';
import type { CollectorConfig } from './pipeline/sources/source.ts';
import type { CollectorStatus } from './status.ts';

/** How often the status is looked at for READY=1 and STATUS changes. */
const READINESS_POLL_MS = 250;

export interface RunCollectorOptions {
  /** Told READY=1 and STATUS lines (systemd); nothing is reported without it. */
  notify?: ServiceNotifier;
}

export async function runCollector(
  config: CollectorConfig,
  log: Logger,
  options: RunCollectorOptions = {},
): Promise<Collector> {
  const { notify } = options;
  void notify?.status(`starting the capture pipeline (${config.source.kind} source)`);
  const collector = await startCollector({ config, log });
  if (!notify) return collector;
  const readiness = reportCollectorReadiness({ collector, notify, pollMs: READINESS_POLL_MS });
  return {
    ...collector,
    stop: async () => {
      readiness.stop();
      await collector.stop();
    },
  };
}

/**
 * Call once the status page listens: READY=1 when the pipeline first plays, then a STATUS
 * line whenever the summary changes.
 */
export function reportCollectorReadiness(options: {
  collector: Pick<Collector, 'status' | 'statusUrl'>;
  notify: Pick<ServiceNotifier, 'ready' | 'status'>;
  pollMs: number;
}): { stop(): void } {
  const { collector, notify } = options;
  let ready = false;
  let last = '';
  const look = () => {
    const status = collector.status();
    const line = collectorStatusLine(status, collector.statusUrl);
    if (!ready && status.worker.state === 'running') {
      ready = true;
      last = line;
      void notify.ready(line);
    } else if (line !== last) {
      last = line;
      void notify.status(line);
    }
  };
  look();
  const timer = setInterval(look, options.pollMs);
  return { stop: () => clearInterval(timer) };
}

// connecting and backoff alternate while an uplink retries: one word for both, so a
// retry loop is not a STATUS message (and a systemd-notify run) every few seconds.
const UPLINK_WORDS: Record<CollectorStatus['uplink']['state'], string> = {
  live: 'ON AIR',
  connecting: 'uplink connecting',
  backoff: 'uplink connecting',
  refused: 'uplink refused by the encoder',
  idle: 'no uplink',
};

/** One line for `systemctl status`: only states, so it changes when something happened. */
export function collectorStatusLine(status: CollectorStatus, statusUrl: string): string {
  const page = `status page ${statusUrl}`;
  const { worker, uplink, recording } = status;
  switch (worker.state) {
    case 'starting':
      return `starting the capture pipeline; ${page}`;
    case 'restarting':
      return `capture pipeline restarting (${worker.restarts} so far): ` +
        `${worker.lastError ?? 'it stopped'}; ${page}`;
    case 'stopped':
      return `capture pipeline stopped; ${page}`;
    case 'running': {
      const input = status.input.present ? status.input.format ?? 'input present' : 'NO INPUT';
      const onAir = status.onAir ? 'ON AIR' : UPLINK_WORDS[uplink.state];
      const rec = recording.active ? 'recording' : 'NOT recording';
      return `pipeline playing, ${input}; ${onAir}; ${rec}${
        recording.lowDisk ? ' (low disk)' : ''
      }; ${page}`;
    }
  }
}
