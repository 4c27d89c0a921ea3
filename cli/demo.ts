// `roomcast demo`: the whole chain on one machine, on embedded defaults, in one process —
// the edge, an encoder node (nginx-rtmp + ffmpeg) and a collector on the test source —
// with a demo event and room. Every run hands the demo nodes fresh secrets and the room a
// fresh key (the old ones are revoked), so a second run needs no cleanup and no secret
// has to be kept anywhere.
import { createHash } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import process from 'node:process';
import type { Logger } from '../core/log.ts';
import type { RoomcastConfig } from '../core/config/schema.ts';
import type { Rendition } from '../core/wire/contracts.ts';
import { runEdgeOnNode } from '../edge/main_node.ts';
import { nodeFiles } from '../edge/main_node.ts';
import { startEncoderAgent } from '../appliance/encoder/agent.ts';
import { startCollector } from '../appliance/collector/daemon.ts';
import { createEdgeClient, type EdgeClient } from './edge_client.ts';

export const DEMO = {
  event: 'demo',
  room: 'demo',
  encoder: 'demo-encoder',
  collector: 'demo-collector',
} as const;

/**
 * The demo room's ladder: the collector's 720p passed through, one 360p rung and audio.
 * Light enough that the collector, the encoder and a browser share a laptop.
 */
const DEMO_LADDER: Rendition[] = [
  { name: 'source', codec: 'copy' },
  { name: '360p', codec: 'h264', height: 360, videoKbps: 800, audioKbps: 96 },
  { name: 'audio', codec: 'audio', audioKbps: 96 },
];

export interface RunningDemo {
  /** Lines telling where to look. */
  summary: string[];
  /**
   * Stops the collector, or starts it again: what viewers see when a venue box drops off
   * and comes back. Resolves to whether it is now running.
   */
  toggleCollector(): Promise<boolean>;
  stop(): Promise<void>;
}

export async function runDemo(
  config: RoomcastConfig,
  log: Logger,
  bootstrap: { email?: string; password?: string },
): Promise<RunningDemo> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    // Collector first (it ends its recording cleanly), the edge last.
    for (const stopOne of [...stops].reverse()) {
      await stopOne().catch((error) => log.error('demo stop', { reason: String(error) }));
    }
  };
  try {
    const edge = await runEdgeOnNode(config, log.child({ part: 'edge' }), bootstrap);
    stops.push(() => edge.stop());
    const edgeUrl = `http://${config.edge.listen.host}:${edge.port}`;
    const token = (await nodeFiles.readText(`${config.edge.dataDir}/admin-token`))?.trim() ?? null;
    const client = createEdgeClient({ url: edgeUrl, token });
    await ensureEventAndRoom(client);
    const encoderSecret = await freshNodeSecret(client, DEMO.encoder, 'encoder');
    const collectorSecret = await freshNodeSecret(client, DEMO.collector, 'collector');
    const { key } = await client.request<{ key: string }>(
      'POST',
      `/rooms/${DEMO.room}/keys/rotate`,
    );

    const encoder = await startEncoderAgent({
      config: {
        ...config.encoder,
        nodeId: DEMO.encoder,
        nodeSecret: encoderSecret,
        edgeUrl,
        workDir: await encoderWorkDir(config.encoder.workDir),
      },
      log: log.child({ part: 'encoder' }),
    });
    stops.push(() => encoder.stop());
    await encoder.registered;

    const startDemoCollector = () =>
      startCollector({
        config: {
          ...config.collector,
          nodeId: DEMO.collector,
          nodeSecret: collectorSecret,
          streamKey: key,
          room: DEMO.room,
          edgeUrl,
        },
        log: log.child({ part: 'collector' }),
      });
    let collector: Awaited<ReturnType<typeof startCollector>> | null = await startDemoCollector();
    const statusUrl = collector.statusUrl;
    stops.push(async () => {
      await collector?.stop();
      collector = null;
    });
    let toggling = Promise.resolve(true);
    const toggleCollector = () =>
      toggling = toggling.then(async () => {
        if (collector) {
          await collector.stop();
          collector = null;
          log.info('collector stopped (the room drops off air)');
          return false;
        }
        collector = await startDemoCollector();
        log.info('collector started again');
        return true;
      });

    const base = config.edge.publicUrl;
    return {
      summary: [
        `  rooms (viewers' page)  ${base}/`,
        `  watch the demo room    ${base}/watch/${DEMO.room}`,
        `  collector status page  ${statusUrl}/`,
        `  public rooms (API)     ${base}/api/v1/public/rooms`,
        `  play the demo room     POST ${base}/api/v1/public/rooms/${DEMO.room}/playback → HLS URL`,
        `  OpenAPI                ${base}/api/v1/openapi.json`,
        `  operator CLI           npx roomcast room list   (admin token in ${config.edge.dataDir}/admin-token)`,
        `  recordings             ${config.collector.recording.dir}/${DEMO.room}/`,
      ],
      toggleCollector,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function ensureEventAndRoom(client: EdgeClient): Promise<void> {
  const events = (await client.request<{ events: { id: string }[] }>('GET', '/events')).events;
  if (!events.some((e) => e.id === DEMO.event)) {
    await client.request('POST', '/events', { id: DEMO.event, title: 'roomcast demo event' });
  }
  const rooms =
    (await client.request<{ rooms: { id: string }[] }>('GET', `/rooms?event=${DEMO.event}`))
      .rooms;
  if (!rooms.some((r) => r.id === DEMO.room)) {
    await client.request('POST', '/rooms', {
      id: DEMO.room,
      title: 'Demo room',
      eventId: DEMO.event,
      withKey: false,
      ladder: DEMO_LADDER,
    });
  } else {
    await client.request('PATCH', `/rooms/${DEMO.room}`, { ladder: DEMO_LADDER });
  }
  // Whoever tries the demo can chat beside the player without an account first.
  await client.request('PATCH', `/chat/rooms/${DEMO.room}/settings`, { guests: true });
}

/** Adds the node, or gives an existing one a new secret (the old one stops working). */
async function freshNodeSecret(
  client: EdgeClient,
  id: string,
  kind: 'encoder' | 'collector',
): Promise<string> {
  const { nodes } = await client.request<{ nodes: { id: string }[] }>('GET', '/nodes');
  const answer = nodes.some((n) => n.id === id)
    ? await client.request<{ secret: string }>('POST', `/nodes/${id}/rotate-secret`)
    : await client.request<{ secret: string }>('POST', '/nodes', { id, kind });
  return answer.secret;
}

/**
 * Run as root, nginx's worker is `nobody` and must reach the HLS tree; a checkout under
 * /root is not reachable. The demo's HLS is throwaway, so as root it lives in the
 * system's temporary directory instead of the configured one.
 */
async function encoderWorkDir(configured: string): Promise<string> {
  if (process.getuid?.() !== 0) return configured;
  // One per checkout (by the absolute path of the configured one): two demos never share.
  const tag = createHash('sha256').update(resolve(configured)).digest('hex').slice(0, 8);
  const top = join(tmpdir(), `roomcast-demo-${tag}`);
  const dir = join(top, 'encoder');
  await mkdir(dir, { recursive: true });
  await chmod(top, 0o755);
  await chmod(dir, 0o755);
  return dir;
}
