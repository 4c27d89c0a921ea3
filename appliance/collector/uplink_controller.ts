// Decides when the uplink is live, when it has failed, and when and where to connect
// again. The worker only executes (connect / disconnect) and reports rtmp2sink's counters;
// every judgement is here, in plain code with an injected clock, so it is tested without
// GStreamer.
//
// * live: more than the handshake and commands went out. rtmp2sink sends media only after
//   the server answered the publish with NetStream.Publish.Start, so bytes beyond
//   LIVE_AFTER_BYTES mean the encoder took the stream.
// * frozen: the encoder acknowledges every 64 KiB it receives (its nginx sets
//   ack_window); more than a window unacknowledged for STALL_MS, with no acknowledgement
//   in that time, means the path went silent, even though the kernel still accepts our
//   writes.
// * refused: the connection closed while publishing was being set up — the encoder said no
//   to the key. Retried slowly, so a wrong key cannot trip the edge's brute-force limit.
// * retries: the edge is asked again where to push after every failure (the encoder may
//   have moved); the delay grows from 250 ms to at most 750 ms, so the uplink is back
//   well within 2 s of the network, even on a loaded box.
import type { Logger } from '../../core/log.ts';
import type { CollectorStatus, UplinkState } from './status.ts';
import type { UplinkCounters, UplinkTarget } from './worker_protocol.ts';

export interface IngestAnswer {
  encoderNodeId: string;
  host: string;
  port: number;
  application: string;
}

export interface UplinkControllerOptions {
  streamKey: string;
  /** Why there can be no uplink at all (no node secret, say); the controller stays idle. */
  unavailable?: string;
  /** Asks the edge where to push; rejects when it cannot say. */
  askIngest(): Promise<IngestAnswer>;
  connect(attempt: number, target: UplinkTarget): void;
  disconnect(attempt: number): void;
  log: Logger;
  now?: () => number;
}

/** The uplink as the status page shows it, and whether it was ever live since the start. */
export type UplinkSnapshot = CollectorStatus['uplink'] & { everLive: boolean };

export interface UplinkController {
  /** Begins (or, after the worker restarted, begins again) connecting. */
  start(): void;
  onCounters(counters: UplinkCounters): void;
  onError(attempt: number, message: string): void;
  /** The worker died: its connection is gone with it; wait for `start()`. */
  onWorkerGone(): void;
  /** Evaluates timeouts; call every ~250 ms. */
  tick(): void;
  snapshot(): UplinkSnapshot;
  stop(): void;
}

export const LIVE_AFTER_BYTES = 16 * 1024;
export const STALL_MS = 2000;
export const CONNECT_TIMEOUT_MS = 4000;
export const RETRY_DELAYS_MS = [250, 500, 750] as const;
export const REFUSED_DELAYS_MS = [5000, 10_000, 30_000] as const;
const DEFAULT_WINDOW_BYTES = 65_536;

interface Attempt {
  id: number;
  startedAt: number;
  lastCounters: UplinkCounters | null;
  lastAckAt: number;
  /**
   * Since when more than a window has been unacknowledged (null while it is not). The stall
   * clock starts at the later of this and lastAckAt: at a low bitrate a window takes longer
   * than STALL_MS to fill, so the last ack is always old when the next one becomes due.
   */
  overWindowSince: number | null;
  live: boolean;
  /** Bytes and time of the previous counters, for the bitrate. */
  rateFrom: { at: number; bytes: number } | null;
}

export function createUplinkController(options: UplinkControllerOptions): UplinkController {
  const { log } = options;
  const now = options.now ?? Date.now;
  let state: UplinkState = 'idle';
  let attempt: Attempt | null = null;
  let nextAttemptId = 1;
  let failures = 0;
  let refusals = 0;
  let reconnects = 0;
  let everLive = false;
  let lastFailureAt: number | null = null;
  let lastFailure: string | null = null;
  let bitrateKbps = 0;
  let ingest: IngestAnswer | null = null;
  let retryAt: number | null = null;
  let asking = false;
  /** The ingest question has failed since its last answer: log the next answer, not each failure. */
  let askFailing = false;
  let stopped = false;

  const askIngest = async () => {
    if (asking) return;
    asking = true;
    try {
      const answer = await options.askIngest();
      if (ingest?.encoderNodeId !== answer.encoderNodeId) {
        log.info('the edge assigned an encoder', {
          encoder: answer.encoderNodeId,
          target: `${answer.host}:${answer.port}`,
        });
      }
      ingest = answer;
      if (askFailing) log.info('the edge answers the ingest question again');
      askFailing = false;
    } catch (error) {
      // Keep the last answer: the encoder is probably still where it was.
      if (!lastFailure) {
        lastFailure = `the edge did not say where to push: ${(error as Error).message}`;
      }
      if (!askFailing) {
        log.warn('the edge did not answer the ingest question; asking again after failures', {
          reason: (error as Error).message,
        });
      }
      askFailing = true;
    } finally {
      asking = false;
    }
  };

  const connectNow = () => {
    retryAt = null;
    if (stopped) return;
    if (!ingest) {
      // Nowhere to push yet: ask and try again shortly.
      void askIngest();
      scheduleRetry(RETRY_DELAYS_MS[RETRY_DELAYS_MS.length - 1]!);
      state = 'backoff';
      return;
    }
    if (failures > 0 || refusals > 0) reconnects += 1;
    const id = nextAttemptId++;
    attempt = {
      id,
      startedAt: now(),
      lastCounters: null,
      lastAckAt: now(),
      overWindowSince: null,
      live: false,
      rateFrom: null,
    };
    state = 'connecting';
    options.connect(id, {
      host: ingest.host,
      port: ingest.port,
      application: ingest.application,
      streamKey: options.streamKey,
    });
  };

  const scheduleRetry = (delayMs: number) => {
    retryAt = now() + delayMs;
  };

  const fail = (reason: string, refused: boolean) => {
    if (!attempt) return;
    const failed = attempt;
    attempt = null;
    options.disconnect(failed.id);
    bitrateKbps = 0;
    lastFailureAt = now();
    lastFailure = reason;
    if (refused) {
      refusals += 1;
      state = 'refused';
      scheduleRetry(REFUSED_DELAYS_MS[Math.min(refusals, REFUSED_DELAYS_MS.length) - 1]!);
    } else {
      failures += 1;
      state = 'backoff';
      scheduleRetry(RETRY_DELAYS_MS[Math.min(failures, RETRY_DELAYS_MS.length) - 1]!);
    }
    log.warn(failed.live ? 'uplink lost; reconnecting' : 'uplink attempt failed', {
      reason,
      retryInMs: retryAt! - now(),
    });
    // The encoder may have moved (or been replaced): ask again before the retry.
    void askIngest();
  };

  return {
    start() {
      if (stopped) return;
      if (!options.streamKey || options.unavailable) {
        state = 'idle';
        lastFailure = options.unavailable ??
          'no stream key configured (collector.streamKey); recording locally only';
        return;
      }
      if (attempt) return;
      if (ingest) {
        connectNow();
        return;
      }
      state = 'connecting';
      void askIngest().then(() => {
        if (!attempt && retryAt === null) connectNow();
      });
    },
    onCounters(counters) {
      if (!attempt || counters.attempt !== attempt.id) return;
      const at = now();
      const previous = attempt.lastCounters;
      if (!previous || counters.ackedBytes > previous.ackedBytes) attempt.lastAckAt = at;
      attempt.lastCounters = counters;
      const window = counters.windowBytes || DEFAULT_WINDOW_BYTES;
      if (counters.outBytes - counters.ackedBytes <= window) attempt.overWindowSince = null;
      else attempt.overWindowSince ??= at;
      if (!attempt.live && counters.outBytes >= LIVE_AFTER_BYTES) {
        attempt.live = true;
        everLive = true;
        state = 'live';
        log.info('uplink live', {
          encoder: ingest?.encoderNodeId,
          ...(lastFailureAt === null ? {} : { secondsSinceFailure: (at - lastFailureAt) / 1000 }),
        });
        failures = 0;
        refusals = 0;
      }
      // Bitrate over the last second or so, from what actually left the box.
      if (!attempt.rateFrom || at - attempt.rateFrom.at >= 1000) {
        if (attempt.rateFrom) {
          const seconds = (at - attempt.rateFrom.at) / 1000;
          bitrateKbps = Math.round(
            ((counters.outBytes - attempt.rateFrom.bytes) * 8) / 1000 / seconds,
          );
        }
        attempt.rateFrom = { at, bytes: counters.outBytes };
      }
    },
    onError(attemptId, message) {
      if (!attempt || attempt.id !== attemptId) return;
      // Closed by the server before any media went out: the publish was turned down.
      const counters = attempt.lastCounters;
      const refused = !attempt.live && counters !== null && counters.inBytes > 0 &&
        !/refused|resolve|unreachable|timed? ?out/i.test(message);
      fail(refused ? `the encoder refused the stream (${message})` : message, refused);
    },
    onWorkerGone() {
      attempt = null;
      retryAt = null;
      bitrateKbps = 0;
      if (state !== 'idle') state = 'connecting';
    },
    tick() {
      if (stopped) return;
      const at = now();
      if (attempt) {
        const counters = attempt.lastCounters;
        if (!attempt.live && at - attempt.startedAt > CONNECT_TIMEOUT_MS) {
          fail(`no connection to the encoder within ${CONNECT_TIMEOUT_MS / 1000} s`, false);
        } else if (attempt.live && counters && attempt.overWindowSince !== null) {
          const unacknowledged = counters.outBytes - counters.ackedBytes;
          const stalledSince = Math.max(attempt.lastAckAt, attempt.overWindowSince);
          if (at - stalledSince > STALL_MS) {
            fail(
              `the encoder stopped acknowledging (${Math.round(unacknowledged / 1024)} KiB ` +
                `unacknowledged for ${Math.round((at - stalledSince) / 100) / 10} s)`,
              false,
            );
          }
        }
      } else if (retryAt !== null && at >= retryAt) {
        connectNow();
      }
    },
    snapshot() {
      return {
        state,
        bitrateKbps: state === 'live' ? bitrateKbps : 0,
        reconnects,
        lastFailureAt: lastFailureAt === null ? null : new Date(lastFailureAt).toISOString(),
        lastFailure,
        encoderNodeId: ingest?.encoderNodeId ?? null,
        target: ingest ? `${ingest.host}:${ingest.port}` : null,
        everLive,
      };
    },
    stop() {
      stopped = true;
      if (attempt) options.disconnect(attempt.id);
      attempt = null;
      state = 'idle';
    },
  };
}
