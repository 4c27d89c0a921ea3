// Chat fan-out on one edge process: 1000 WebSocket clients in this process, a few of them
// sending at a fixed total rate, every message delivered to all 1000. Measured: deliveries
// per second and send → receive latency (both ends in this process, one clock). Side by
// side in the same run: a bare `ws` broadcast server (bench/support/ws_broadcast_server.ts)
// under the same load — the ratio is what roomcast's chat costs over the bare minimum
// (identity, checks, rate limits, the libSQL write, ordering by number).
//
//   node --import tsx bench/chat_fanout.ts [--write]
//
// Env: CLIENTS (1000), SENDERS (10), RATES (messages/s, comma-separated: "50,100,150"),
// SECONDS (per run, 8).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { chatGuestCookie } from '../core/testing/chat_client.ts';
import { freePort, NODE_PROCESS_START_MS, waitForPort } from '../core/testing/net.ts';
import { type RunningProcess, startProcess } from '../core/testing/process.ts';
import { percentile } from '../e2e/support/latency.ts';
import { ROOMCAST } from '../e2e/support/stack.ts';
import { writeSection } from './report.ts';

const CLIENTS = Number(process.env.CLIENTS ?? 1000);
const SENDERS = Number(process.env.SENDERS ?? 10);
const RATES = (process.env.RATES ?? '50,100,150').split(',').map(Number);
const SECONDS = Number(process.env.SECONDS ?? 8);
const SENT_AT = /"text":"t(\d+(?:\.\d+)?) /g;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Target {
  name: string;
  url: string;
  /** What a sender sends for a message text. */
  frame(text: string, nonce: string): string;
  headers: Record<string, string>[];
  stop(): Promise<void>;
}

async function startEdge(): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-bench-chat-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const edge: RunningProcess = startProcess(process.execPath, [ROOMCAST, 'edge'], {
    cwd: dir,
    env: {
      ...process.env,
      XDG_CONFIG_HOME: join(dir, 'xdg'),
      ROOMCAST_LOG_LEVEL: 'warn',
      ROOMCAST_EDGE_LISTEN_PORT: String(port),
      ROOMCAST_EDGE_PUBLIC_URL: base,
      ROOMCAST_EDGE_DATA_DIR: join(dir, 'edge'),
      ROOMCAST_EDGE_CHAT_GUESTS: 'true',
      ROOMCAST_EDGE_CHAT_PER_USER_MESSAGES: '10000',
      ROOMCAST_EDGE_CHAT_PER_ADDRESS_MESSAGES: '10000',
    },
  });
  await edge.whenReady(waitForPort(port, '127.0.0.1', NODE_PROCESS_START_MS));
  const { readFile } = await import('node:fs/promises');
  const token = (await readFile(join(dir, 'edge/admin-token'), 'utf8')).trim();
  const created = await fetch(`${base}/api/v1/rooms`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'bench', title: 'Bench', withKey: false }),
  });
  if (created.status !== 201) throw new Error(`room: ${created.status} ${await created.text()}`);
  // Each sender is its own guest (the per-person limits count per guest).
  const headers: Record<string, string>[] = [];
  for (let i = 0; i < SENDERS; i++) headers.push({ cookie: await chatGuestCookie(base) });
  return {
    name: 'roomcast chat',
    url: `ws://127.0.0.1:${port}/api/v1/chat/rooms/bench/ws`,
    frame: (text, nonce) => JSON.stringify({ type: 'send', nonce, text }),
    headers,
    stop: async () => {
      await edge.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function startBaseline(): Promise<Target> {
  const port = await freePort();
  const server = startProcess(process.execPath, [
    '--import',
    'tsx',
    new URL('./support/ws_broadcast_server.ts', import.meta.url).pathname,
    String(port),
  ], {});
  await server.whenReady(waitForPort(port, '127.0.0.1', NODE_PROCESS_START_MS));
  return {
    name: 'bare ws broadcast',
    url: `ws://127.0.0.1:${port}/`,
    frame: (text) => text,
    headers: Array.from({ length: SENDERS }, () => ({})),
    stop: () => server.stop(),
  };
}

interface Result {
  rate: number;
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
  delivered: number;
  expected: number;
}

async function measure(target: Target, rate: number): Promise<Result> {
  const latencies: number[] = [];
  let delivered = 0;
  let measuring = false;
  let lastDeliveryAt = 0;
  const open = (headers: Record<string, string>) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(target.url, { headers });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
  const receivers: WebSocket[] = [];
  for (let i = 0; i < CLIENTS; i += 50) {
    receivers.push(
      ...await Promise.all(Array.from({ length: Math.min(50, CLIENTS - i) }, () => open({}))),
    );
  }
  for (const socket of receivers) {
    socket.on('message', (data) => {
      if (!measuring) return;
      // The send time is read straight out of the frame: 1000 clients parsing every frame
      // in full would make this process, not the server, the bottleneck.
      const now = performance.now();
      for (const match of String(data).matchAll(SENT_AT)) {
        delivered++;
        lastDeliveryAt = now;
        latencies.push(now - Number(match[1]));
      }
    });
  }
  const senders = await Promise.all(target.headers.map(open));
  await sleep(500);
  measuring = true;
  const started = performance.now();
  const total = rate * SECONDS;
  for (let n = 0; n < total; n++) {
    // Paced against the clock, not by sleeping a fixed step (timers drift under load).
    const due = started + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    senders[n % senders.length]!.send(target.frame(`t${performance.now()} message ${n}`, `n${n}`));
  }
  // Let the last messages arrive (up to 2 s), then stop counting.
  const deadline = performance.now() + 2000;
  while (delivered < total * CLIENTS && performance.now() < deadline) await sleep(20);
  // Until the last delivery: the wait for stragglers is not sending time.
  const elapsed = lastDeliveryAt - started;
  measuring = false;
  for (const socket of [...receivers, ...senders]) socket.terminate();
  return {
    rate,
    deliveriesPerSecond: delivered / (elapsed / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    delivered,
    expected: total * CLIENTS,
  };
}

const rows: string[] = [];
const results = new Map<string, Result>();
for (const start of [startBaseline, startEdge]) {
  const target = await start();
  try {
    for (const rate of RATES) {
      const result = await measure(target, rate);
      results.set(`${target.name}@${rate}`, result);
      console.log(target.name, JSON.stringify(result));
    }
  } finally {
    await target.stop();
  }
}
for (const rate of RATES) {
  const base = results.get(`bare ws broadcast@${rate}`)!;
  for (const name of ['bare ws broadcast', 'roomcast chat']) {
    const r = results.get(`${name}@${rate}`)!;
    rows.push(
      `| ${name} | ${rate} | ${Math.round(r.deliveriesPerSecond).toLocaleString('en')} | ${
        r.p50.toFixed(1)
      } ms | ${r.p99.toFixed(1)} ms | ${(r.p99 / base.p99).toFixed(2)}× | ${
        (r.deliveriesPerSecond / base.deliveriesPerSecond).toFixed(2)
      }× | ${r.delivered.toLocaleString('en')} of ${r.expected.toLocaleString('en')} |`,
    );
  }
}
const table = [
  '| server | messages/s sent | deliveries/s | p50 send→receive | p99 | p99 vs bare | deliveries vs bare | delivered |',
  '|---|---|---|---|---|---|---|---|',
  ...rows,
].join('\n');
console.log(table);

if (process.argv.includes('--write')) {
  await writeSection(
    'Chat fan-out',
    [
      '`node --import tsx bench/chat_fanout.ts --write`: one `roomcast edge` process (embedded',
      `libSQL file, in-memory live store), ${CLIENTS} WebSocket clients in the benchmark process,`,
      `${SENDERS} of them guests sending at a fixed total rate for ${SECONDS} s; every message goes`,
      `to all ${CLIENTS}. Latency is send → receive in the benchmark process (one clock). In the`,
      'same run, the same load on a bare `ws` broadcast server (no identity, checks, storage or',
      'ordering): the ratios are against it. Goal: ≥ 100,000 deliveries/s with p99 ≤ 100 ms.',
      'Both run on this 2-core machine with the clients. The bare server writes one frame per',
      'message per socket and runs out of writes near 90,000/s; roomcast sends a busy room at',
      'most one frame per 25 ms per socket (edge/chat/hub.ts), which is why it goes further.',
      '',
      table,
    ].join('\n'),
  );
}
