// `roomcast encoder`: starts the agent (which starts nginx and the ladders) and runs until
// a signal; on SIGTERM/SIGINT it stops ffmpeg and nginx and leaves the playlists open, so
// a restarted node continues them.
//
// Readiness for systemd (Type=notify): READY=1 once nginx accepts RTMP and HTTP (the
// agent's start resolves only then) and the agent has registered with the edge. An edge
// that has not answered after REGISTRATION_GRACE_MS does not hold READY back any longer:
// nginx already serves the HLS on disk, the agent keeps registering by itself, and waiting
// would only get the node killed by TimeoutStartSec and restarted — nginx included — in a
// loop for as long as the edge is away. STATUS then says it waits for the edge.
import type { Logger } from '../../core/log.ts';
import type { ServiceNotifier } from '../../core/systemd/notify.ts';
import { type EncoderAgent, type EncoderConfig, startEncoderAgent } from './agent.ts';

/** How long READY=1 waits for the first registration with the edge. */
export const REGISTRATION_GRACE_MS = 10_000;

export interface RunEncoderOptions {
  /** Told READY=1 and STATUS lines (systemd); nothing is reported without it. */
  notify?: ServiceNotifier;
  /** How long READY=1 waits for the first registration (REGISTRATION_GRACE_MS). */
  registrationGraceMs?: number;
}

export async function runEncoder(
  config: EncoderConfig,
  log: Logger,
  options: RunEncoderOptions = {},
): Promise<EncoderAgent> {
  const { notify } = options;
  void notify?.status('starting nginx');
  const agent = await startEncoderAgent({ config, log });
  if (!notify) return agent;
  const readiness = reportEncoderReadiness({
    registered: agent.registered,
    notify,
    config,
    graceMs: options.registrationGraceMs ?? REGISTRATION_GRACE_MS,
  });
  return {
    ...agent,
    stop: async () => {
      readiness.stop();
      await agent.stop();
    },
  };
}

/** Call once nginx is up: READY=1 on registration, or after the grace period without it. */
export function reportEncoderReadiness(options: {
  registered: Promise<void>;
  notify: Pick<ServiceNotifier, 'ready' | 'status'>;
  config: Pick<EncoderConfig, 'edgeUrl' | 'rtmp' | 'http'>;
  graceMs: number;
}): { stop(): void } {
  const { notify, config } = options;
  const nginx = `nginx up (RTMP ${config.rtmp.host}:${config.rtmp.port}, ` +
    `HLS ${config.http.host}:${config.http.port})`;
  let stopped = false;
  void notify.status(`${nginx}; registering with the edge ${config.edgeUrl}`);
  const grace = setTimeout(() => {
    void notify.ready(
      `${nginx}; waiting for the edge ${config.edgeUrl}: new publishes are refused until it answers`,
    );
  }, options.graceMs);
  void options.registered.then(() => {
    clearTimeout(grace);
    if (!stopped) void notify.ready(`${nginx}; registered with the edge ${config.edgeUrl}`);
  });
  return {
    stop() {
      stopped = true;
      clearTimeout(grace);
    },
  };
}
