// The collector daemon: supervises the pipeline worker, runs the uplink controller, watches
// the recording disk, serves the crew's status page and reports to the edge. It holds the
// one CollectorStatus everything else is a view of.
import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Logger } from '../../core/log.ts';
import { SOFTWARE_VERSION } from '../../core/version.ts';
import {
  type CollectorHeartbeat,
  ingestResponseSchema,
  WIRE_VERSION,
} from '../../core/wire/contracts.ts';
import { type EdgePresence, startEdgePresence } from '../../core/wire/edge_presence.ts';
import { createNodeClient, type NodeClient } from '../../core/wire/node_client.ts';
import { createAudioWatch } from './audio_watch.ts';
import type { CollectorConfig } from './pipeline/sources/source.ts';
import { createDiskGuard } from './recording/disk_guard.ts';
import type { CollectorState, CollectorStatus } from './status.ts';
import { bundleStatusPage } from './status_page/bundle.ts';
import { createStatusApp, startStatusServer } from './status_server.ts';
import { createUplinkController, type IngestAnswer } from './uplink_controller.ts';
import type { WorkerMessage } from './worker_protocol.ts';
import { startWorkerSupervisor } from './worker_supervisor.ts';

export interface CollectorOptions {
  config: CollectorConfig;
  log: Logger;
  /** Pipeline worker entry (tests only). */
  workerEntry?: string;
  /** Free bytes of the recording disk (tests simulate a filling disk); statfs by default. */
  freeBytes?: (dir: string) => Promise<number>;
  /** How often the disk is checked, ms (5000). */
  diskCheckMs?: number;
}

export interface Collector {
  /** Where the status page listens, like http://127.0.0.1:8090. */
  statusUrl: string;
  status(): CollectorStatus;
  stop(): Promise<void>;
}

/** Uplink timeouts and retries are judged this often. */
const TICK_MS = 100;
/** The status page gets an update every 300 ms: meters move smoothly. */
const TICKS_PER_STATUS_EVENT = 3;
const DISK_CHECK_MS = 5000;
/** Largest preview sent in a heartbeat (the wire allows 96 000 base64 characters). */
const MAX_HEARTBEAT_PREVIEW = 96_000;

export async function startCollector(options: CollectorOptions): Promise<Collector> {
  const { config, log } = options;
  const recordingDir = resolve(config.recording.dir, config.room);
  await mkdir(recordingDir, { recursive: true });
  // Built before anything starts, so a broken page fails the start, not the first visit.
  await bundleStatusPage();

  const client: NodeClient | null = config.nodeSecret
    ? createNodeClient({
      edgeUrl: config.edgeUrl,
      nodeId: config.nodeId,
      nodeSecret: config.nodeSecret,
      timeoutMs: 2000,
    })
    : null;
  if (!client) {
    log.warn('collector.nodeSecret is not set: not reporting to the edge, no uplink');
  }

  const audio = createAudioWatch();
  let preview: { jpeg: Buffer; base64: string; at: string } | null = null;
  let input: CollectorStatus['input'] = { present: false, format: null };
  let lastError: string | null = null;
  let workerHeardAt: string | null = null;
  /** The worker's own account of why it is about to exit. */
  let pendingFatal: string | null = null;
  const recording = {
    currentFile: null as string | null,
    startedAt: null as string | null,
    paused: false,
    diskFreeMb: 0,
    lowDisk: false,
    rotatedFiles: 0,
  };

  const uplink = createUplinkController({
    streamKey: config.streamKey,
    unavailable: client
      ? undefined
      : 'no node secret configured (collector.nodeSecret); recording locally only',
    log: log.child({ part: 'uplink' }),
    askIngest: () => askIngest(client, config),
    connect: (attempt, target) => supervisor.send({ type: 'connect', attempt, target }),
    disconnect: (attempt) => supervisor.send({ type: 'disconnect', attempt }),
  });

  const onWorkerMessage = (message: WorkerMessage) => {
    workerHeardAt = new Date().toISOString();
    switch (message.type) {
      case 'playing':
        supervisor.markRunning();
        recording.startedAt = message.startedAt;
        if (recording.paused) supervisor.send({ type: 'recording', paused: true });
        log.info('pipeline playing', { clockEpoch: message.clockEpoch });
        uplink.start();
        return;
      case 'levels':
        audio.update(message.levels);
        return;
      case 'preview':
        preview = {
          jpeg: Buffer.from(message.jpegBase64, 'base64'),
          base64: message.jpegBase64,
          at: message.at,
        };
        return;
      case 'input':
        if (message.present !== input.present) {
          log[message.present ? 'info' : 'warn'](
            message.present ? 'input signal present' : 'no input signal',
            { format: message.format },
          );
        }
        input = { present: message.present, format: message.format };
        return;
      case 'recordingFile':
        recording.currentFile = message.location;
        log.info('recording to a new file', { file: relative(recordingDir, message.location) });
        return;
      case 'uplinkCounters':
        uplink.onCounters(message.counters);
        return;
      case 'uplinkError':
        uplink.onError(message.attempt, message.message);
        return;
      case 'warning':
        log.warn('pipeline warning', { detail: message.message });
        return;
      case 'fatal':
        pendingFatal = message.message;
        log.error('pipeline failed', { reason: message.message });
        return;
    }
  };

  const supervisor = startWorkerSupervisor({
    log: log.child({ part: 'worker' }),
    entry: options.workerEntry,
    startMessage: () => ({
      type: 'start',
      alignToSecond: config.source.kind === 'test',
      plan: {
        room: config.room,
        source: config.source,
        audio: config.audio,
        output: config.output,
        recording: {
          // A new session per worker start: files are never overwritten, and their names
          // say when the session began (UTC).
          location: join(recordingDir, `${config.room}-${sessionStamp(new Date())}-%05d.ts`),
          segmentSeconds: config.recording.segmentSeconds,
          videoKbps: config.recording.videoKbps,
        },
      },
    }),
    onMessage: onWorkerMessage,
    onExit: (reason, expected) => {
      workerHeardAt = null;
      uplink.onWorkerGone();
      input = { present: false, format: input.format };
      recording.currentFile = null;
      recording.startedAt = null;
      if (expected) return;
      lastError = pendingFatal ? `${pendingFatal} (worker ${reason})` : `pipeline worker ${reason}`;
      pendingFatal = null;
    },
  });

  const diskGuard = createDiskGuard({
    dir: resolve(config.recording.dir),
    minFreeMb: config.recording.minFreeMb,
    pauseBelowMb: config.recording.pauseBelowMb,
    rotateOldest: config.recording.rotateOldest,
    isInUse: (file) => file === recording.currentFile,
    freeBytes: options.freeBytes,
    log: log.child({ part: 'disk' }),
  });
  const checkDisk = async () => {
    const report = await diskGuard.check();
    recording.diskFreeMb = report.diskFreeMb;
    recording.lowDisk = report.lowDisk;
    recording.rotatedFiles += report.deleted.length;
    if (report.pause !== recording.paused) {
      recording.paused = report.pause;
      log[report.pause ? 'error' : 'info'](
        report.pause ? 'recording paused: the disk is nearly full' : 'recording resumed',
        { diskFreeMb: report.diskFreeMb },
      );
      supervisor.send({ type: 'recording', paused: report.pause });
    }
  };
  await checkDisk();

  const status = (): CollectorStatus => {
    const { everLive, ...uplinkStatus } = uplink.snapshot();
    const workerState = supervisor.state();
    const playing = workerState === 'running';
    const started = recording.startedAt ? Date.parse(recording.startedAt) : null;
    return {
      nodeId: config.nodeId,
      room: config.room,
      state: overallState(workerState, supervisor.restarts(), uplinkStatus.state, everLive),
      onAir: uplinkStatus.state === 'live',
      worker: {
        state: workerState,
        pid: supervisor.pid(),
        restarts: supervisor.restarts(),
        lastError,
        lastMessageAt: workerHeardAt,
      },
      input,
      audio: { levels: playing ? audio.levels() : [], warnings: audio.warnings() },
      uplink: uplinkStatus,
      recording: {
        active: playing && !recording.paused && recording.currentFile !== null,
        dir: recordingDir,
        currentFile: recording.currentFile ? relative(recordingDir, recording.currentFile) : null,
        startedAt: recording.startedAt,
        seconds: started === null ? 0 : Math.max(0, Math.round((Date.now() - started) / 1000)),
        diskFreeMb: recording.diskFreeMb,
        lowDisk: recording.lowDisk,
        rotatedFiles: recording.rotatedFiles,
      },
      preview: { updatedAt: preview?.at ?? null },
      at: new Date().toISOString(),
    };
  };

  const listeners = new Set<(s: CollectorStatus) => void>();
  let ticks = 0;
  const ticker = setInterval(() => {
    try {
      uplink.tick();
      ticks += 1;
      if (listeners.size === 0 || ticks % TICKS_PER_STATUS_EVENT !== 0) return;
      const snapshot = status();
      for (const listener of listeners) listener(snapshot);
    } catch (error) {
      log.error('status tick failed', { reason: (error as Error).message });
    }
  }, TICK_MS);
  const diskTimer = setInterval(() => void checkDisk(), options.diskCheckMs ?? DISK_CHECK_MS);

  const presence: EdgePresence | null = client
    ? startEdgePresence({
      client,
      nodeId: config.nodeId,
      kind: 'collector',
      registration: {
        softwareVersion: SOFTWARE_VERSION,
        publicUrl: null,
        rtmpUrl: null,
        capacity: 0,
      },
      intervalSeconds: config.heartbeatIntervalSeconds,
      log: log.child({ part: 'edge' }),
      status: () => heartbeatOf(status(), preview?.base64 ?? null),
      onAnswer: () => {},
    })
    : null;

  const app = createStatusApp({
    status,
    preview: () => preview?.jpeg ?? null,
    script: bundleStatusPage,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    log: log.child({ part: 'status-page' }),
  });
  const server = await startStatusServer({
    host: config.status.host,
    port: config.status.port,
    app,
  });
  log.info('status page listening', { url: server.url });

  return {
    statusUrl: server.url,
    status,
    async stop() {
      clearInterval(ticker);
      clearInterval(diskTimer);
      presence?.stop();
      uplink.stop();
      await supervisor.stop();
      await server.close();
    },
  };
}

function overallState(
  worker: string,
  restarts: number,
  uplink: string,
  everLive: boolean,
): CollectorState {
  if (worker !== 'running') return restarts > 0 ? 'error' : 'starting';
  if (uplink === 'live') return 'live';
  if (uplink === 'refused') return 'error';
  if (uplink === 'idle') return 'offline';
  return everLive ? 'reconnecting' : 'starting';
}

function heartbeatOf(
  s: CollectorStatus,
  previewBase64: string | null,
): Omit<CollectorHeartbeat, 'v' | 'nodeId' | 'kind'> {
  return {
    room: s.room,
    state: s.state,
    input: { present: s.input.present, format: s.input.format?.slice(0, 120) ?? null },
    levels: s.audio.levels.slice(0, 16),
    audio: {
      silentSeconds: s.audio.warnings.silentSeconds,
      clipping: s.audio.warnings.clipping,
    },
    uplink: {
      state: s.uplink.state,
      bitrateKbps: s.uplink.bitrateKbps,
      reconnects: s.uplink.reconnects,
      lastFailureAt: s.uplink.lastFailureAt,
    },
    recording: {
      active: s.recording.active,
      diskFreeMb: s.recording.diskFreeMb,
      lowDisk: s.recording.lowDisk,
    },
    previewJpegBase64: previewBase64 && previewBase64.length <= MAX_HEARTBEAT_PREVIEW
      ? previewBase64
      : null,
  };
}

async function askIngest(
  client: NodeClient | null,
  config: CollectorConfig,
): Promise<IngestAnswer> {
  if (!client) throw new Error('collector.nodeSecret is not set');
  const answer = await client.post(
    '/node/ingest',
    { v: WIRE_VERSION, nodeId: config.nodeId, room: config.room },
    ingestResponseSchema,
  );
  const url = new URL(answer.rtmpUrl);
  if (url.protocol !== 'rtmp:') {
    throw new Error(`the edge gave a ${url.protocol} URL; only rtmp: is spoken`);
  }
  return {
    encoderNodeId: answer.encoderNodeId,
    host: url.hostname,
    port: url.port ? Number(url.port) : 1935,
    application: url.pathname.replace(/^\/+|\/+$/g, '') || 'live',
  };
}

/** 2026-11-21T09:45:03.123Z → 20261121T094503Z */
function sessionStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
