// `roomcast watchdog encoder|collector`: one round of checks every
// watchdog.checkIntervalSeconds, remedies within watchdog.maxRestartsPerHour, and a report
// to the edge after every round (signed with the box's node secret), so the operators'
// node list shows what each box's watchdog sees and did. READY=1 (systemd) after the first
// round; STATUS= is the state in one line.
import type { RoomcastConfig } from '../../core/config/schema.ts';
import type { Logger } from '../../core/log.ts';
import type { ServiceNotifier } from '../../core/systemd/notify.ts';
import {
  type NodeKind,
  watchdogAckSchema,
  type WatchdogReport,
  WIRE_VERSION,
} from '../../core/wire/contracts.ts';
import { createNodeClient } from '../../core/wire/node_client.ts';
import { type Systemctl, systemctl } from './box_probes.ts';
import { collectorInspection } from './collector_inspection.ts';
import { encoderInspection } from './encoder_inspection.ts';
import { createWatchdog, type Inspection, type WatchdogRound } from './watchdog.ts';

/** Every probe of a local endpoint gets this long; a healthy one answers in milliseconds. */
const PROBE_TIMEOUT_MS = 2000;

export interface RunWatchdogOptions {
  kind: NodeKind;
  config: RoomcastConfig;
  log: Logger;
  notify?: Pick<ServiceNotifier, 'ready' | 'status'>;
  /** systemctl on PATH by default. */
  systemctl?: Systemctl;
}

export interface RunningWatchdog {
  /** The last round's result (null before the first). */
  lastRound(): WatchdogRound | null;
  stop(): Promise<void>;
}

const loopback = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
const hostPort = (host: string, port: number) => {
  const h = loopback(host);
  return `${h.includes(':') ? `[${h}]` : h}:${port}`;
};

function inspectionFor(options: RunWatchdogOptions, control: Systemctl): Inspection {
  const { config } = options;
  const { staleAfterTargetDurations } = config.watchdog;
  if (options.kind === 'encoder') {
    const { encoder } = config;
    return encoderInspection({
      agentStatusUrl: `http://127.0.0.1:${encoder.agentPort}/status`,
      nginxHealthUrl: `http://${hostPort(encoder.http.host, encoder.http.port)}/health`,
      staleAfterTargetDurations,
      systemctl: control,
      timeoutMs: PROBE_TIMEOUT_MS,
    });
  }
  const { collector } = config;
  return collectorInspection({
    statusUrl: `http://${hostPort(collector.status.host, collector.status.port)}/api/status`,
    staleAfterTargetDurations,
    gopSeconds: collector.output.gopSeconds,
    systemctl: control,
    timeoutMs: PROBE_TIMEOUT_MS,
  });
}

/** `systemctl status` in one line: the state and what is wrong. */
export function statusLine(round: WatchdogRound): string {
  const failing = round.checks.filter((check) => !check.ok);
  if (round.state === 'ok') return `ok: ${round.checks.map((check) => check.name).join(', ')}`;
  const escalated = round.escalated.map((e) => e.target);
  return [
    round.state === 'escalated' ? `ESCALATED (${escalated.join(', ')})` : 'degraded',
    ...failing.map((check) => `${check.name}: ${check.detail}`),
  ].join('; ');
}

export async function runWatchdog(options: RunWatchdogOptions): Promise<RunningWatchdog> {
  const { kind, config, log, notify } = options;
  const node = config[kind];
  const intervalSeconds = config.watchdog.checkIntervalSeconds;
  const watchdog = createWatchdog({
    inspect: inspectionFor(options, options.systemctl ?? systemctl()),
    maxRestartsPerHour: config.watchdog.maxRestartsPerHour,
    log,
  });
  const client = node.nodeSecret
    ? createNodeClient({
      edgeUrl: node.edgeUrl,
      nodeId: node.nodeId,
      nodeSecret: node.nodeSecret,
      timeoutMs: PROBE_TIMEOUT_MS,
    })
    : null;
  if (!client) log.warn(`${kind}.nodeSecret is not set: the watchdog reports to nobody`);

  let last: WatchdogRound | null = null;
  let lastLine = '';
  let edgeTrouble: string | null = null;
  const report = async (round: WatchdogRound) => {
    if (!client) return;
    const body: WatchdogReport = {
      v: WIRE_VERSION,
      nodeId: node.nodeId,
      kind,
      intervalSeconds,
      ...round,
    };
    try {
      await client.post('/node/watchdog', body, watchdogAckSchema);
      if (edgeTrouble) log.info('reporting to the edge again');
      edgeTrouble = null;
    } catch (error) {
      const reason = (error as Error).message;
      // Once per outage: the edge being away is not news every five seconds.
      if (edgeTrouble === null) {
        log.warn('could not report to the edge; retrying each round', { reason });
      }
      edgeTrouble = reason;
    }
  };

  const runRound = async () => {
    const round = await watchdog.round();
    const line = statusLine(round);
    if (round.state !== last?.state) log[round.state === 'ok' ? 'info' : 'warn'](line);
    const first = last === null;
    last = round;
    // A STATUS= costs a systemd-notify child: sent when the line changes, not every round.
    if (notify && line !== lastLine) void (first ? notify.ready(line) : notify.status(line));
    lastLine = line;
    await report(round);
  };

  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = () => {
    if (stopped) return;
    running = runRound().catch((error) => {
      log.error('watchdog round failed', { reason: (error as Error).message });
    }).finally(() => {
      if (!stopped) timer = setTimeout(loop, intervalSeconds * 1000);
    });
  };
  log.info('watchdog started', {
    kind,
    everySeconds: intervalSeconds,
    staleAfterTargetDurations: config.watchdog.staleAfterTargetDurations,
    maxRestartsPerHour: config.watchdog.maxRestartsPerHour,
  });
  loop();
  await running;
  return {
    lastRound: () => last,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
