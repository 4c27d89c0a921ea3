// `roomcast collector`: starts the daemon (pipeline worker, uplink, recording, status page,
// edge heartbeat) and runs until a signal; on SIGTERM/SIGINT the worker stops the
// pipeline, so the last recording file ends cleanly.
import type { Logger } from '../../core/log.ts';
import { type Collector, startCollector } from './daemon.ts';
import type { CollectorConfig } from './pipeline/sources/source.ts';

export function runCollector(config: CollectorConfig, log: Logger): Promise<Collector> {
  return startCollector({ config, log });
}
