// The encoder agent: renders nginx's config from the typed config and supervises nginx,
// answers nginx-rtmp's hooks (relaying them to the edge, signed), runs one ladder
// pipeline per live room, counts viewers from nginx's access log, and registers and
// heartbeats with the edge. Stream keys exist here only in memory, on their way from the
// publish hook to the edge; from the edge's answer on, the public room id names the stream.
import process from 'node:process';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '../../core/log.ts';
import type { RoomcastConfig } from '../../core/config/schema.ts';
import { SOFTWARE_VERSION } from '../../core/version.ts';
import type { HeartbeatResponse } from '../../core/wire/contracts.ts';
import { randomBase64Url } from '../../core/wire/encoding.ts';
import { createNodeClient } from '../../core/wire/node_client.ts';
import { playbackSecretFor } from '../../core/wire/playback_token.ts';
import type { AgentStatus } from './agent_status.ts';
import { createCpuLoadSampler } from './cpu_load.ts';
import { createEdgeRelay, type RelayedSession } from './edge_relay.ts';
import { createEncoderMetrics } from './metrics.ts';
import { startEdgePresence } from '../../core/wire/edge_presence.ts';
import type { Hook } from './hook_form.ts';
import { type HookAnswer, startHookServer } from './hook_server.ts';
import { dropPublisher, readStreams } from './nginx/control.ts';
import { renderEncoderNginxConf } from './nginx/nginx_conf.ts';
import { startEncoderNginx } from './nginx/nginx_process.ts';
import { createViewerCounter, tailFile } from './nginx/viewer_count.ts';
import { createRoomPipeline, type RoomPipeline } from './room_pipeline.ts';
import { LiveSessions } from './sessions.ts';
import { startOutputMonitor } from './output_monitor.ts';
import { sweepHlsRoot } from './hls/janitor.ts';
import { softwareBackend } from './ffmpeg/backends/software.ts';
import { answerLowLatency } from './ll/ll_answer.ts';
import { LOW_LATENCY_PARTS } from './ll/ll_output.ts';

export type EncoderConfig = RoomcastConfig['encoder'];

export interface EncoderAgentOptions {
  config: EncoderConfig;
  log: Logger;
  ffmpegPath?: string;
  nginxBinary?: string;
}

export interface EncoderAgent {
  hlsRoot: string;
  /** Resolves after the first successful registration with the edge. */
  registered: Promise<void>;
  /** Pending hook relays (0 once the edge has caught up). */
  pendingRelays(): number;
  stop(): Promise<void>;
}

/** RTMP application collectors publish to: `rtmp://host:port/live` + their key. */
const RTMP_APP = 'live';
/** Of the edge's 64 KB default body limit, what one heartbeat's output pictures may take. */
const OUTPUT_PICTURES_BYTES = 32_000;
/** How long the HLS tree of a room with no publisher and no pipeline is kept on disk. */
const STALE_ROOM_MS = 60 * 60_000;
/** Viewers count as watching while their player fetched something in this window. */
const VIEWER_WINDOW_MS = 30_000;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function loopbackHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

/** Kills an nginx a previous agent left running (it holds our ports and socket). */
async function stopLeftoverNginx(prefix: string, log: Logger): Promise<void> {
  const pid = Number((await readFile(join(prefix, 'nginx.pid'), 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('nginx') || !cmdline.includes(prefix)) return;
  log.warn('stopping an nginx left over from a previous agent run', { pid });
  try {
    process.kill(pid, 'SIGKILL');
  } catch { /* gone already */ }
  await new Promise((done) => setTimeout(done, 200));
}

export async function startEncoderAgent(options: EncoderAgentOptions): Promise<EncoderAgent> {
  const { config, log } = options;
  if (!config.nodeSecret) {
    throw new Error(
      'encoder.nodeSecret is not set (ROOMCAST_ENCODER_NODE_SECRET; see roomcast node add)',
    );
  }
  const workDir = resolve(config.workDir);
  const hlsRoot = join(workDir, 'hls');
  const prefix = join(workDir, 'nginx');
  const controlSocket = join(prefix, 'control.sock');
  const isRoot = process.getuid?.() === 0;
  await mkdir(hlsRoot, { recursive: true });
  await mkdir(join(prefix, 'logs'), { recursive: true });
  // Run as root (tests, containers), nginx's worker drops to nobody: it must reach the tree.
  if (isRoot) {
    for (const dir of [workDir, hlsRoot, prefix]) await chmod(dir, 0o755);
    await assertOthersCanReach(hlsRoot);
  }
  await stopLeftoverNginx(prefix, log);

  const client = createNodeClient({
    edgeUrl: config.edgeUrl,
    nodeId: config.nodeId,
    nodeSecret: config.nodeSecret,
  });
  const sessions = new LiveSessions();
  const pendingPublishes = new Set<string>();
  const pipelines = new Map<string, RoomPipeline>();
  const nodeErrors: string[] = [];
  const noteNodeError = (message: string) => {
    nodeErrors.push(message);
    nodeErrors.splice(0, nodeErrors.length - 10);
  };

  const drop = async (clientId: string, why: string) => {
    try {
      const dropped = await dropPublisher(controlSocket, { app: RTMP_APP, clientId });
      log.info(`dropped publisher: ${why}`, { client: clientId, dropped });
    } catch (error) {
      log.error('could not drop a publisher through nginx control', {
        client: clientId,
        reason: (error as Error).message,
      });
    }
  };

  const relay = createEdgeRelay({
    client,
    nodeId: config.nodeId,
    log,
    onCutOff: (ref: RelayedSession, reason: string) => {
      const session = sessions.get(ref.clientId);
      if (!session || session.sessionId !== ref.sessionId) return;
      session.cutOff = reason;
      log.warn('the edge cut a live session off', { room: session.room, reason });
      void drop(ref.clientId, reason);
    },
  });

  const rtmpInput = (room: string) =>
    `rtmp://${loopbackHost(config.rtmp.host)}:${config.rtmp.port}/${RTMP_APP}/${room}`;

  const pipelineFor = (room: string): RoomPipeline => {
    let pipeline = pipelines.get(room);
    if (!pipeline || pipeline.state() === 'ended') {
      pipeline = createRoomPipeline({
        room,
        hlsRoot,
        inputUrl: rtmpInput(room),
        segmentSeconds: config.hls.segmentSeconds,
        windowSegments: config.hls.windowSegments,
        backend: softwareBackend,
        ffmpegPath: options.ffmpegPath,
        // Outside hls/: nginx serves that tree, and the slate's scratch is nobody's to fetch.
        slateDir: join(workDir, 'slates', room),
        dvrWindowSeconds: config.hls.dvrWindowSeconds,
        ...(config.hls.lowLatency ? { lowLatency: LOW_LATENCY_PARTS } : {}),
        log: log.child({ room }),
        sourceOf: (clientId) => publisherSource(controlSocket, room, clientId),
      });
      pipelines.set(room, pipeline);
    }
    return pipeline;
  };

  const handle = async (hook: Hook): Promise<HookAnswer> => {
    if (hook.app !== RTMP_APP) return { status: 403, text: `unknown application` };
    switch (hook.hook) {
      case 'publish': {
        pendingPublishes.add(hook.clientId);
        const answer = await relay.publish({
          clientId: hook.clientId,
          app: hook.app,
          streamKey: hook.streamKey,
          addr: hook.addr,
        }).finally(() => pendingPublishes.delete(hook.clientId));
        if (answer.outcome === 'unreachable') {
          log.warn('publish refused: the edge cannot be reached to check the key', {
            client: hook.clientId,
            reason: answer.reason,
          });
          return { status: 503, text: 'edge unreachable' };
        }
        const { decision } = answer;
        if (decision.decision === 'refuse') {
          log.warn('publish refused by the edge', {
            client: hook.clientId,
            reason: decision.reason,
          });
          return { status: 403, text: decision.reason };
        }
        const { room } = decision;
        // A ghost of this room (a frozen uplink nginx still holds) must go before nginx
        // accepts the new publish under the same name, or nginx refuses it as a duplicate.
        const ghosts = new Set(sessions.ofRoom(room).map((s) => s.clientId));
        if (decision.takeover?.nodeId === config.nodeId) ghosts.add(decision.takeover.clientId);
        ghosts.delete(hook.clientId);
        for (const clientId of ghosts) {
          sessions.remove(clientId);
          await drop(clientId, 'a new publish of the same room takes over');
        }
        sessions.add({
          clientId: hook.clientId,
          sessionId: decision.sessionId,
          room,
          ladder: decision.ladder ?? config.ladder,
          addr: hook.addr,
          startedAt: Date.now(),
          cutOff: null,
        });
        pipelineFor(room).publisherStarted({
          clientId: hook.clientId,
          ladder: decision.ladder ?? config.ladder,
          reconnectWindowSeconds: decision.reconnectWindowSeconds,
        });
        log.info('publish allowed', { room, client: hook.clientId, takeover: ghosts.size > 0 });
        // 3xx + Location renames the stream from the key to the room id inside nginx.
        return { status: 302, location: room };
      }
      case 'update': {
        if (hook.player) return { status: 200 };
        // nginx starts the update timer before the publish answer: a publish still being
        // checked with the edge must not be dropped for being unknown yet.
        if (pendingPublishes.has(hook.clientId)) return { status: 200 };
        const session = sessions.get(hook.clientId);
        if (!session) return { status: 403, text: 'unknown session' };
        if (session.cutOff) return { status: 403, text: session.cutOff };
        relay.update(session, hook.time);
        return { status: 200 };
      }
      case 'publish-done': {
        const session = sessions.remove(hook.clientId);
        if (session) {
          relay.publishDone(session);
          if (!sessions.current(session.room)) pipelines.get(session.room)?.publisherGone();
          log.info('publish ended', { room: session.room, client: hook.clientId });
        }
        return { status: 200 };
      }
      case 'play':
        // Viewers use HLS; RTMP play is for this node's own ffmpeg only.
        if (!LOOPBACK.has(hook.addr)) return { status: 403, text: 'use HLS' };
        pipelines.get(hook.name)?.playerJoined();
        return { status: 200 };
    }
  };

  const viewers = createViewerCounter({ windowMs: VIEWER_WINDOW_MS });
  // Its own sampler: a scrape reads the load since the last scrape, not since the heartbeat.
  const scrapeCpuLoad = createCpuLoadSampler();
  const metrics = createEncoderMetrics(async () => {
    const now = Date.now();
    const streams = await readStreams(controlSocket, RTMP_APP).catch(() => null);
    return {
      softwareVersion: SOFTWARE_VERSION,
      capacity: config.capacity,
      rooms: [...pipelines].map(([room, pipeline]) => ({
        room,
        state: pipeline.state(),
        renditions: pipeline.renditionStatus(),
        restarts: pipeline.restarts(),
        newestSegments: pipeline.newestSegments(),
        viewers: viewers.viewers(room, now),
      })),
      // Only streams the edge allowed and renamed to their room: before its answer, a
      // stream's name in nginx is its key, which no label may carry.
      ingest: streams?.filter((stream) =>
        stream.publisher && sessions.current(stream.name)?.clientId === stream.publisher.clientId
      ).map((stream) => ({ room: stream.name, bitsPerSecond: stream.bwIn })) ?? null,
      cpuLoad: scrapeCpuLoad(),
      pendingRelays: relay.pending(),
      now,
    };
  });

  const hookServer = await startHookServer({
    port: config.agentPort,
    token: randomBase64Url(18),
    log,
    handle,
    lowLatency: (room, rendition, query) => {
      const pipeline = pipelines.get(room);
      return answerLowLatency(
        pipeline
          ? {
            view: () => pipeline.lowLatencyView(rendition),
            subscribe: (listener) => pipeline.onLowLatencyChange(listener),
          }
          : null,
        query,
      );
    },
    metrics: () => metrics.expose(),
    status: (): AgentStatus => ({
      pid: process.pid,
      hlsRoot,
      segmentSeconds: config.hls.segmentSeconds,
      rooms: [...pipelines].map(([room, pipeline]) => ({
        room,
        state: pipeline.state(),
        liveSince: pipeline.liveSince(),
        ffmpegPid: pipeline.ffmpegPid(),
        runStartedAt: pipeline.runStartedAt(),
        renditions: pipeline.renditionStatus().map((rendition) => rendition.name),
      })),
    }),
  });

  const accessLogPath = join(prefix, 'logs/hls-access.log');
  const confPath = join(prefix, 'nginx.conf');
  const conf = renderEncoderNginxConf({
    prefix,
    hlsRoot,
    rtmp: config.rtmp,
    http: config.http,
    hookBaseUrl: hookServer.baseUrl,
    controlSocket,
    playbackSecret: await playbackSecretFor(config.nodeSecret),
    corsOrigin: config.playerOrigin,
    accessLogPath,
    runAsUser: isRoot ? 'nobody nogroup' : null,
    updateIntervalSeconds: 5,
    idlePublisherSeconds: 10,
  });
  // The conf holds the playback secret: readable by this user only.
  await writeFile(confPath, conf, { mode: 0o600 });
  await chmod(confPath, 0o600);
  const nginx = startEncoderNginx({
    confPath,
    prefix,
    log: log.child({ part: 'nginx' }),
    binary: options.nginxBinary,
  });
  nginx.onExit((reason) => noteNodeError(`nginx exited (${reason}); restarting it`));
  try {
    await nginx.ready;
  } catch (error) {
    await hookServer.close();
    throw error;
  }

  const tail = tailFile(accessLogPath, (lines) => {
    for (const line of lines) viewers.ingest(line);
  });

  // Room trees a previous run left behind and nobody watches any more.
  const janitor = setInterval(() => {
    // An ended room's tree goes once it is stale like any other; live and idle rooms stay.
    const keep = new Set(
      [...pipelines].filter(([, pipeline]) => pipeline.state() !== 'ended').map(([room]) => room),
    );
    const failed = (error: unknown) =>
      log.warn('hls janitor failed', { reason: (error as Error).message });
    void sweepHlsRoot(hlsRoot, keep, STALE_ROOM_MS).catch(failed);
    for (const pipeline of pipelines.values()) void pipeline.sweep().catch(failed);
  }, 60_000);
  janitor.unref();
  await sweepHlsRoot(hlsRoot, new Set(), STALE_ROOM_MS).catch(() => {});

  const cpuLoad = createCpuLoadSampler();
  const outputs = startOutputMonitor({
    hlsRoot,
    intervalMs: config.heartbeatIntervalSeconds * 1000,
    ffmpegPath: options.ffmpegPath,
    liveRooms: () =>
      [...pipelines.entries()].filter(([, p]) => p.state() === 'live').map(([room, p]) => ({
        room,
        videoRenditions: p.videoRenditions(),
      })),
    log,
  });

  const onAnswer = (answer: HeartbeatResponse) => {
    for (const ref of answer.cutOff) {
      if (ref.nodeId !== config.nodeId) continue;
      const session = sessions.get(ref.clientId);
      if (!session) continue;
      session.cutOff = 'the edge ended this session';
      void drop(ref.clientId, 'the edge ended this session');
    }
    for (const room of answer.restartRooms) {
      if (pipelines.get(room)?.restart()) log.info('ladder restarted for an operator', { room });
    }
    for (const room of answer.endedRooms) {
      const pipeline = pipelines.get(room);
      if (pipeline && pipeline.state() === 'idle') {
        void pipeline.end().then(() => log.info('event over: playlists ended', { room }));
      }
    }
  };

  const publicHost = new URL(config.publicUrl).hostname;
  const presence = startEdgePresence({
    client,
    nodeId: config.nodeId,
    kind: 'encoder',
    registration: {
      softwareVersion: SOFTWARE_VERSION,
      publicUrl: config.publicUrl,
      // Collectors reach the RTMP port on the same host viewers reach the HLS server on.
      rtmpUrl: `rtmp://${publicHost}:${config.rtmpPublicPort || config.rtmp.port}/${RTMP_APP}`,
      capacity: config.capacity,
    },
    intervalSeconds: config.heartbeatIntervalSeconds,
    log,
    status: () => {
      const now = Date.now();
      const live = sessions.all().filter((s) => sessions.current(s.room) === s);
      // The edge's body limit holds the whole heartbeat: pictures get a share of it, and
      // rooms past it go without theirs this time (the edge keeps their last one).
      let pictureBudget = OUTPUT_PICTURES_BYTES;
      const outputOf = (room: string) => {
        const output = outputs.status(room, pictureBudget);
        pictureBudget -= output?.frameJpegBase64?.length ?? 0;
        return output ? { output } : {};
      };
      return {
        capacity: config.capacity,
        cpuLoad: cpuLoad(),
        rooms: live.map((session) => {
          const pipeline = pipelines.get(session.room);
          return {
            room: session.room,
            sessionId: session.sessionId,
            renditions: pipeline?.renditionStatus() ?? [],
            viewers: viewers.viewers(session.room, now),
            errors: pipeline?.recentErrors() ?? [],
            ...(pipeline ? { ingest: pipeline.ingestStatus() } : {}),
            ...outputOf(session.room),
          };
        }),
        idleRooms: [...pipelines.entries()].filter(([, p]) => p.state() === 'idle').map((
          [room],
        ) => room),
        errors: nodeErrors.slice(-10),
      };
    },
    onAnswer,
  });

  log.info('encoder ready', {
    rtmp: `${config.rtmp.host}:${config.rtmp.port}`,
    hls: config.publicUrl,
  });

  let stopping: Promise<void> | undefined;
  return {
    hlsRoot,
    registered: presence.registered,
    pendingRelays: () => relay.pending(),
    stop: () =>
      stopping ??= (async () => {
        presence.stop();
        outputs.stop();
        clearInterval(janitor);
        tail.stop();
        await Promise.all([...pipelines.values()].map((pipeline) => pipeline.close()));
        await nginx.stop();
        relay.stop();
        await hookServer.close();
      })(),
  };
}

/**
 * Run as root, nginx's worker is `nobody`: every directory above the HLS tree must be
 * searchable by others, or every playlist request ends in a puzzling 403.
 */
async function assertOthersCanReach(path: string): Promise<void> {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new Error(
        `nginx's worker (user nobody) cannot reach ${path}: ${dir} is not searchable by ` +
          'others; chmod o+x it, choose another encoder.workDir, or run the encoder as its own user',
      );
    }
  }
}

/** The publisher's stream as nginx sees it, once its metadata arrived (null until then). */
async function publisherSource(controlSocket: string, room: string, clientId: string) {
  const stream = (await readStreams(controlSocket)).find((s) => s.name === room);
  if (!stream?.publisher || stream.publisher.clientId !== clientId) return null;
  return stream.meta;
}
