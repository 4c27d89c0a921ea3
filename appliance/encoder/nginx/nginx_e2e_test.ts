// The encoder's nginx for real: the rendered conf run by startEncoderNginx, a real ffmpeg
// publishing over RTMP with a random canary stream key, a tiny hook receiver standing in
// for the agent, and fetch() as the HLS player. Checks the key → room rename, hooks and
// their form fields, control and stat over the unix socket, the kill switch, that the key
// never reaches a file, and the HLS server's tokens, names, headers and viewer log.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { createMemoryLogger } from '../../../core/log.ts';
import { freePort } from '../../../core/testing/net.ts';
import { type RunningProcess, startProcess } from '../../../core/testing/process.ts';
import {
  type PlaybackToken,
  playbackTokenQuery,
  signPlaybackToken,
} from '../../../core/wire/playback_token.ts';
import { controlGet, dropClient, dropPublisher, readStreams } from './control.ts';
import { renderEncoderNginxConf } from './nginx_conf.ts';
import { type EncoderNginx, startEncoderNginx } from './nginx_process.ts';
import { createViewerCounter, parseAccessLine, type Tail, tailFile } from './viewer_count.ts';

const FFMPEG = '/usr/bin/ffmpeg';
const CANARY = `rk_canary_${randomBytes(8).toString('hex')}`;
const SECRET = randomBytes(32).toString('hex');
const ROOM = 'room-a';

interface HookCall {
  hook: string;
  form: Record<string, string>;
  raw: string;
}

let workDir: string;
let prefix: string;
let hlsRoot: string;
let socket: string;
let accessLogPath: string;
let rtmpPort: number;
let httpPort: number;
let hookServer: Server;
let nginx: EncoderNginx;
let tail: Tail;
const log = createMemoryLogger('nginx');
const viewers = createViewerCounter({ windowMs: 30_000 });
const hooks: HookCall[] = [];
const exits: string[] = [];
const publishers: RunningProcess[] = [];
/** How the fake agent answers: a slow publish (to look at stat meanwhile), a cut-off. */
const behaviour = { publishDelayMs: 0, cutOff: false };

const HLS_FILES: Record<string, string> = {
  [`${ROOM}/master.m3u8`]: [
    '#EXTM3U',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"',
    '720p/index.m3u8',
    '#EXT-X-STREAM-INF:BANDWIDTH=96000,CODECS="mp4a.40.2"',
    'audio/index.m3u8',
    '',
  ].join('\n'),
  [`${ROOM}/720p/index.m3u8`]: [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-TARGETDURATION:2',
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-MAP:URI="r0-init.mp4"',
    '#EXT-X-PROGRAM-DATE-TIME:2026-05-01T10:00:00.000Z',
    '#EXTINF:2.000,',
    'r0-7.m4s',
    '#EXT-X-DISCONTINUITY',
    '#EXT-X-MAP:URI="r1-init.mp4"',
    '#EXT-X-PROGRAM-DATE-TIME:2026-05-01T10:00:04.000Z',
    '#EXTINF:2.000,',
    'r1-1.m4s',
    '',
  ].join('\n'),
  [`${ROOM}/720p/r0-7.m4s`]: 'moof-and-mdat of run 0',
  [`${ROOM}/720p/r0-init.mp4`]: 'ftyp-and-moov of run 0',
  [`${ROOM}/720p/r1-1.m4s`]: 'moof-and-mdat',
  [`${ROOM}/720p/r1-init.mp4`]: 'ftyp-and-moov',
  [`${ROOM}/audio/index.m3u8`]: '#EXTM3U\n#EXT-X-MAP:URI="r1-init.mp4"\n#EXTINF:2,\nr1-1.m4s\n',
  [`${ROOM}/audio/r1-1.m4s`]: 'audio moof-and-mdat',
  [`${ROOM}/audio/r1-init.mp4`]: 'audio ftyp-and-moov',
  // ffmpeg's private playlist and a segment still being written: never served.
  [`${ROOM}/720p/r1.m3u8`]: '#EXTM3U\n# private\n',
  [`${ROOM}/720p/r1-2.m4s.tmp`]: 'half a segment',
  ['room-b/master.m3u8']: '#EXTM3U\n# room-b\n',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function startHookReceiver(): Promise<Server> {
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => raw += chunk.toString());
    request.on('end', async () => {
      const hook = (request.url ?? '').split('/').pop()!;
      const form = Object.fromEntries(new URLSearchParams(raw));
      hooks.push({ hook, form, raw });
      if (hook === 'publish') {
        if (form.name === 'bad-key') return response.writeHead(403).end('unknown key');
        await sleep(behaviour.publishDelayMs);
        return response.writeHead(302, { location: ROOM }).end();
      }
      if (hook === 'update' && behaviour.cutOff) return response.writeHead(403).end('cut off');
      response.writeHead(200).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function publish(key: string, extra: string[] = []): RunningProcess {
  const publisher = startProcess(FFMPEG, [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-re'],
    ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-c:a', 'aac', ...extra],
    ...['-f', 'flv', `rtmp://127.0.0.1:${rtmpPort}/live/${key}`],
  ], { cwd: tmpdir() });
  publishers.push(publisher);
  return publisher;
}

const exited = (proc: RunningProcess) =>
  proc.child.exitCode !== null || proc.child.signalCode !== null;

const callsOf = (hook: string, clientId?: string) =>
  hooks.filter((call) => call.hook === hook && (!clientId || call.form.clientid === clientId));

/** Every regular file under `dir`, recursively, with its content. */
async function allFiles(dir: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await allFiles(path));
    else if (entry.isFile()) out.push({ path, text: await readFile(path, 'latin1') });
  }
  return out;
}

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'roomcast-enc-nginx-'));
  prefix = join(workDir, 'nginx');
  hlsRoot = join(workDir, 'hls');
  socket = join(prefix, 'control.sock');
  accessLogPath = join(prefix, 'logs/hls-access.log');
  // As root, nginx's worker runs as nobody: it must traverse the tree and read hlsRoot.
  await mkdir(join(prefix, 'logs'), { recursive: true });
  for (const [path, content] of Object.entries(HLS_FILES)) {
    await mkdir(dirname(join(hlsRoot, path)), { recursive: true });
    await writeFile(join(hlsRoot, path), content, { mode: 0o644 });
  }
  for (
    const dir of [
      workDir,
      prefix,
      hlsRoot,
      `${hlsRoot}/${ROOM}`,
      `${hlsRoot}/${ROOM}/720p`,
      `${hlsRoot}/${ROOM}/audio`,
    ]
  ) {
    await chmod(dir, 0o755);
  }
  await chmod(`${hlsRoot}/room-b`, 0o755);

  hookServer = await startHookReceiver();
  const hookPort = (hookServer.address() as { port: number }).port;
  rtmpPort = await freePort();
  httpPort = await freePort();
  const confPath = join(prefix, 'nginx.conf');
  await writeFile(
    confPath,
    renderEncoderNginxConf({
      prefix,
      hlsRoot,
      rtmp: { host: '127.0.0.1', port: rtmpPort },
      http: { host: '127.0.0.1', port: httpPort },
      hookBaseUrl: `http://127.0.0.1:${hookPort}/hooks/test-token`,
      controlSocket: socket,
      playbackSecret: SECRET,
      corsOrigin: 'https://watch.example.org',
      accessLogPath,
      runAsUser: process.getuid?.() === 0 ? 'nobody nogroup' : null,
      updateIntervalSeconds: 1,
      idlePublisherSeconds: 5,
    }),
    { mode: 0o600 },
  );
  nginx = startEncoderNginx({ confPath, prefix, log, restartDelayMs: { initial: 200 } });
  nginx.onExit((reason) => exits.push(reason));
  await nginx.ready;
  tail = tailFile(accessLogPath, (lines) => lines.forEach((line) => viewers.ingest(line)), {
    intervalMs: 100,
    fromStart: true,
  });
});

after(async () => {
  tail?.stop();
  await Promise.all(publishers.map((p) => p.stop()));
  await nginx?.stop();
  await new Promise((resolve) => hookServer?.close(resolve));
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

let firstPublisher: RunningProcess;
let firstClientId: string;

test('on_publish answered 3xx renames the stream from the key to the room; stat never shows the key', async () => {
  behaviour.publishDelayMs = 1500;
  firstPublisher = publish(CANARY);
  const call = await waitFor('the publish hook', () => callsOf('publish')[0]);
  // While the agent has not answered, nginx has no stream at all — not one named by the key.
  const pending = await controlGet(socket, '/stat');
  assert.doesNotMatch(pending, /<stream>/);
  assert.ok(!pending.includes(CANARY));

  firstClientId = call.form.clientid!;
  const stream = await waitFor('room-a with its metadata in stat', async () => {
    const found = (await readStreams(socket, 'live')).find((s) => s.name === ROOM);
    return found?.meta?.video && found?.meta.audio ? found : undefined;
  });
  assert.deepEqual(
    stream.publisher && {
      clientId: stream.publisher.clientId,
      addr: stream.publisher.addr,
    },
    { clientId: firstClientId, addr: '127.0.0.1' },
  );
  assert.ok(stream.publisher!.bytesIn > 0);
  assert.ok(stream.publisher!.time > 0);
  assert.equal(stream.players, 0);
  assert.deepEqual(stream.meta!.video, {
    width: 640,
    height: 360,
    frameRate: 30,
    codec: 'H264',
    profile: stream.meta!.video!.profile,
    level: stream.meta!.video!.level,
  });
  assert.match(stream.meta!.video!.level, /^\d\.\d$/);
  assert.deepEqual(stream.meta!.audio, { codec: 'AAC', sampleRate: 44100, channels: 1 });
  const streams = await readStreams(socket);
  assert.deepEqual(streams.map((s) => s.name), [ROOM]);
  assert.ok(!(await controlGet(socket, '/stat')).includes(CANARY));
  behaviour.publishDelayMs = 0;
});

test("the agent's ffmpeg reads the renamed stream as live/room-a; players show in stat", async () => {
  const reader = startProcess(FFMPEG, [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
    ...['-i', `rtmp://127.0.0.1:${rtmpPort}/live/${ROOM}`, '-f', 'null', '-'],
  ], { cwd: tmpdir() });
  try {
    const play = await waitFor('the play hook', () => callsOf('play')[0]);
    assert.equal(play.form.name, ROOM);
    assert.equal(play.form.addr, '127.0.0.1');
    await waitFor('one player in stat', async () => {
      const [stream] = await readStreams(socket, 'live');
      return stream?.players === 1;
    });
    // dropClient by client id ends just that player, not the publisher.
    assert.equal(await dropClient(socket, { app: 'live', clientId: play.form.clientid! }), 1);
    await waitFor('the reader to end', () => exited(reader));
    assert.equal((await readStreams(socket, 'live'))[0]?.publisher?.clientId, firstClientId);
  } finally {
    await reader.stop();
  }
  // A bounded read decodes real frames and ends cleanly.
  const bounded = startProcess(FFMPEG, [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
    ...['-i', `rtmp://127.0.0.1:${rtmpPort}/live/${ROOM}`, '-t', '1', '-f', 'null', '-'],
  ], { cwd: tmpdir() });
  try {
    await waitFor('the bounded read to end', () => exited(bounded), 20_000);
    assert.equal(bounded.child.exitCode, 0, bounded.output());
  } finally {
    await bounded.stop();
  }
});

test('a key the agent refuses (403) does not publish', async () => {
  const refused = publish('bad-key', ['-t', '5']);
  try {
    await waitFor('the refused publisher to give up', () => exited(refused), 20_000);
    assert.notEqual(refused.child.exitCode, 0);
    assert.ok(callsOf('publish').some((call) => call.form.name === 'bad-key'));
    assert.deepEqual((await readStreams(socket)).map((s) => s.name), [ROOM]);
  } finally {
    await refused.stop();
  }
});

test('on_update fires every interval, with the publisher client id and the pre-rename name', async () => {
  const updates = await waitFor('two update hooks', () => {
    const seen = callsOf('update', firstClientId);
    return seen.length >= 2 ? seen : undefined;
  });
  const form = updates.at(-1)!.form;
  assert.equal(form.call, 'update_publish');
  assert.equal(form.app, 'live');
  assert.match(form.time!, /^\d+$/);
  // nginx-rtmp keeps the name the publisher sent for on_update and on_publish_done: the key.
  assert.equal(form.name, CANARY);
});

test('dropPublisher through the control socket ends it; on_publish_done follows', async () => {
  assert.equal(await dropPublisher(socket, { app: 'live', clientId: '999999' }), 0);
  assert.equal(
    await dropPublisher(socket, { app: 'live', name: 'no-such-room', clientId: '1' }),
    0,
  );
  assert.equal(await dropPublisher(socket, { app: 'live', clientId: firstClientId }), 1);
  const done = await waitFor('publish_done', () => callsOf('publish-done', firstClientId)[0]);
  assert.equal(done.form.call, 'publish_done');
  assert.equal(done.form.name, CANARY);
  await waitFor('the publisher to end', () => exited(firstPublisher));
  assert.deepEqual(await readStreams(socket), []);
  // nginx-rtmp 1.2.2 answers an unknown application with 0 dropped, not an error.
  assert.equal(await dropPublisher(socket, { app: 'nope', clientId: firstClientId }), 0);
});

test('an on_update answered 403 cuts the publisher off (the kill switch)', async () => {
  const publisher = publish(CANARY);
  const call = await waitFor(
    'a second publish of the key',
    () =>
      callsOf('publish').find((c) => c.form.name === CANARY && c.form.clientid !== firstClientId),
  );
  const clientId = call.form.clientid!;
  await waitFor(
    'room-a live again',
    async () => (await readStreams(socket)).some((s) => s.publisher?.clientId === clientId),
  );
  behaviour.cutOff = true;
  try {
    await waitFor(
      'publish_done after the cut-off',
      () => callsOf('publish-done', clientId)[0],
      5000,
    );
    await waitFor('the publisher to end', () => exited(publisher));
  } finally {
    behaviour.cutOff = false;
  }
});

const nowSeconds = () => Math.floor(Date.now() / 1000);
const hls = (path: string, token?: PlaybackToken | string, init: RequestInit = {}) => {
  const query = token === undefined
    ? ''
    : `?${typeof token === 'string' ? token : playbackTokenQuery(token)}`;
  return fetch(`http://127.0.0.1:${httpPort}/hls/${path}${query}`, init);
};
const ORIGIN = 'https://watch.example.org';

test('HLS: a valid token serves playlists, segments and init files with type, caching and CORS', async () => {
  const token = signPlaybackToken(SECRET, ROOM, 'viewer-session-1', nowSeconds() + 300);
  const cases = [
    [`${ROOM}/master.m3u8`, 'application/vnd.apple.mpegurl', 'no-cache'],
    [`${ROOM}/720p/index.m3u8`, 'application/vnd.apple.mpegurl', 'no-cache'],
    [`${ROOM}/720p/r1-1.m4s`, 'video/iso.segment', 'public, max-age=31536000, immutable'],
    [`${ROOM}/720p/r1-init.mp4`, 'video/mp4', 'public, max-age=31536000, immutable'],
  ] as const;
  for (const [path, type, cache] of cases) {
    const res = await hls(path, token, { headers: { origin: ORIGIN } });
    assert.equal(res.status, 200, path);
    const expected = path.endsWith('.m3u8')
      ? withToken(HLS_FILES[path]!, playbackTokenQuery(token))
      : HLS_FILES[path];
    assert.equal(await res.text(), expected);
    assert.equal(res.headers.get('content-type'), type, path);
    assert.equal(res.headers.get('cache-control'), cache, path);
    assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN, path);
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /Content-Length/);
  }
  const other = signPlaybackToken(SECRET, ROOM, 'viewer-session-2', nowSeconds() + 300);
  assert.equal((await hls(`${ROOM}/master.m3u8`, other)).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${httpPort}/health`)).status, 200);
});

/** A playlist as nginx should serve it: every URI with `query` appended. */
function withToken(playlist: string, query: string): string {
  return playlist.replace(/^([^#\n][^\n]*)$/gm, `$1?${query}`)
    .replace(/URI="([^"]+)"/g, `URI="$1?${query}"`);
}

/** Every URI in a playlist: the lines that are not tags, and EXT-X-MAP's URI. */
function urisIn(playlist: string): string[] {
  return playlist.split('\n').flatMap((line) => {
    if (line === '') return [];
    if (!line.startsWith('#')) return [line];
    const map = /URI="([^"]+)"/.exec(line);
    return map ? [map[1]!] : [];
  });
}

test("HLS: playlists carry the viewer's token in every URI, so a native player needs no help", async () => {
  const token = signPlaybackToken(SECRET, ROOM, 'viewer-session-7', nowSeconds() + 300);
  const query = playbackTokenQuery(token);
  const master = `http://127.0.0.1:${httpPort}/hls/${ROOM}/master.m3u8`;
  // What else the page's query holds is not passed on: only the token is.
  const res = await fetch(`${master}?${query}&_HLS_msn=4`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/vnd.apple.mpegurl');
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  // Rewritten as it is sent: chunked, and nothing that would let a cache reuse it blindly.
  assert.equal(res.headers.get('content-length'), null);
  assert.equal(res.headers.get('transfer-encoding'), 'chunked');
  assert.equal(res.headers.get('last-modified'), null);
  const text = await res.text();
  assert.equal(text, withToken(HLS_FILES[`${ROOM}/master.m3u8`]!, query));
  const variants = urisIn(text);
  assert.equal(variants.length, 2);
  const fetched: string[] = [];
  // As a native player does: resolve each URI against the playlist's URL, nothing added.
  for (const variant of variants) {
    assert.equal(new URL(variant, master).search, `?${query}`, variant);
    const media = await fetch(new URL(variant, master));
    assert.equal(media.status, 200, variant);
    const mediaText = await media.text();
    const uris = urisIn(mediaText);
    assert.ok(uris.length >= 2, mediaText);
    for (const uri of uris) {
      const url = new URL(uri, media.url);
      assert.equal(url.search, `?${query}`, `${variant}: ${uri}`);
      const part = await fetch(url);
      assert.equal(part.status, 200, url.pathname);
      assert.ok(part.headers.get('content-length'), 'segments are served untouched');
      assert.equal(await part.text(), HLS_FILES[url.pathname.replace('/hls/', '')]);
      fetched.push(url.pathname);
    }
  }
  assert.deepEqual(fetched.sort(), [
    `/hls/${ROOM}/720p/r0-7.m4s`,
    `/hls/${ROOM}/720p/r0-init.mp4`,
    `/hls/${ROOM}/720p/r1-1.m4s`,
    `/hls/${ROOM}/720p/r1-init.mp4`,
    `/hls/${ROOM}/audio/r1-1.m4s`,
    `/hls/${ROOM}/audio/r1-init.mp4`,
  ]);
  // The same URIs without a token, or with an expired one, are still refused.
  const expired = playbackTokenQuery(
    signPlaybackToken(SECRET, ROOM, 'viewer-session-7', nowSeconds() - 10),
  );
  for (const path of [`${ROOM}/720p/index.m3u8`, `${ROOM}/720p/r1-1.m4s`]) {
    assert.equal((await hls(path)).status, 403, `${path} without a token`);
    const stale = await hls(path, expired);
    assert.equal(stale.status, 403, `${path} with an expired token`);
    assert.ok(!(await stale.text()).includes(expired), 'a refusal does not echo the token');
  }
});

test('HLS: expired, mutated, other-room and missing tokens are refused, readable by CORS', async () => {
  const valid = signPlaybackToken(SECRET, ROOM, 'viewer-session-1', nowSeconds() + 300);
  const expired = signPlaybackToken(SECRET, ROOM, 'viewer-session-1', nowSeconds() - 10);
  const c = valid.hash[3]!;
  const mutated = {
    ...valid,
    hash: valid.hash.slice(0, 3) + (c === 'A' ? 'B' : 'A') + valid.hash.slice(4),
  };
  const roomB = signPlaybackToken(SECRET, 'room-b', 'viewer-session-1', nowSeconds() + 300);
  assert.equal((await hls('room-b/master.m3u8', roomB)).status, 200);
  for (
    const [what, token] of [['expired', expired], ['mutated', mutated], ['room-b', roomB]] as const
  ) {
    for (const path of [`${ROOM}/master.m3u8`, `${ROOM}/720p/r1-1.m4s`]) {
      const res = await hls(path, token);
      assert.equal(res.status, 403, `${what} ${path}`);
      assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
      assert.equal(res.headers.get('cache-control'), null, 'a refusal is not cached');
    }
  }
  assert.equal((await hls(`${ROOM}/master.m3u8`)).status, 403);
  assert.equal(
    (await hls(`${ROOM}/master.m3u8`, `e=${valid.expires}&s=${valid.session}`)).status,
    403,
  );
});

test('HLS: a CORS preflight is answered 204 without a token', async () => {
  const res = await hls(`${ROOM}/720p/r1-1.m4s`, undefined, {
    method: 'OPTIONS',
    headers: {
      origin: ORIGIN,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'range',
    },
  });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
  assert.match(res.headers.get('access-control-allow-methods') ?? '', /GET/);
  assert.match(res.headers.get('access-control-allow-headers') ?? '', /Range/i);
  assert.equal(res.headers.get('access-control-max-age'), '86400');
});

test("HLS: ffmpeg's private playlist, temp files and directories are not served", async () => {
  const token = signPlaybackToken(SECRET, ROOM, 'viewer-session-1', nowSeconds() + 300);
  for (
    const path of [
      `${ROOM}/720p/r1.m3u8`,
      `${ROOM}/720p/r1-2.m4s.tmp`,
      `${ROOM}/720p/`,
      `${ROOM}/`,
      `${ROOM}/720p/master.m3u8`,
      `${ROOM}/index.m3u8`,
      `${ROOM}/720p/missing-1.m4s`,
      'Room-A/master.m3u8',
    ]
  ) {
    const res = await hls(path, token);
    assert.equal(res.status, 404, path);
    assert.ok(!(await res.text()).includes('private'));
  }
  assert.equal((await fetch(`http://127.0.0.1:${httpPort}/`)).status, 404);
  assert.equal((await fetch(`http://127.0.0.1:${httpPort}/stat`)).status, 404);
  assert.equal(
    (await fetch(`http://127.0.0.1:${httpPort}/control/drop/publisher?app=live`)).status,
    404,
  );
});

test('HLS: the viewer log has room, session and status but never a token; viewers are counted', async () => {
  await tail.poll();
  const text = await readFile(accessLogPath, 'utf8');
  const lines = text.trim().split('\n');
  assert.ok(lines.length >= 10, text);
  assert.doesNotMatch(text, /[?&]t=|e=\d/);
  const token = signPlaybackToken(SECRET, ROOM, 'viewer-session-1', nowSeconds() + 300);
  assert.ok(!text.includes(token.hash.slice(0, 12)));
  const records = lines.map((line) => parseAccessLine(line));
  assert.ok(records.every((r) => r !== null), text);
  assert.ok(
    records.some((r) => r!.room === ROOM && r!.session === 'viewer-session-1' && r!.status === 200),
  );
  assert.ok(records.some((r) => r!.status === 403));
  // The preflight (OPTIONS, 204) is nobody watching and is not logged.
  assert.ok(!records.some((r) => r!.status === 204));
  // viewer-session-1, -2 and -7 (the native player); the refused requests are no one.
  assert.equal(viewers.viewers(ROOM, Date.now()), 3);
  assert.equal(viewers.viewers('room-b', Date.now()), 1);
  assert.equal(viewers.viewers(ROOM, Date.now() + 60_000), 0);
});

/** Dead, or a zombie nobody reaps (a killed master's worker is reparented to pid 1). */
async function gone(pid: number): Promise<boolean> {
  const state = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return state === null || / Z /.test(state.slice(state.lastIndexOf(')')));
}

const workerPid = async () => /<pid>(\d+)<\/pid>/.exec(await controlGet(socket, '/stat'))![1]!;

/** Publishes the canary key and resolves with the new connection's client id once live. */
async function publishLive(): Promise<{ publisher: RunningProcess; clientId: string }> {
  const from = hooks.length;
  const publisher = publish(CANARY);
  const call = await waitFor(
    'the publish hook',
    () => hooks.slice(from).find((c) => c.hook === 'publish'),
  );
  const clientId = call.form.clientid!;
  await waitFor(
    'the publisher live in stat',
    async () => (await readStreams(socket)).some((s) => s.publisher?.clientId === clientId),
  );
  return { publisher, clientId };
}

test("nginx is restarted after it dies, and the dead master's worker is ended too", async () => {
  const pid = nginx.pid();
  assert.ok(pid);
  const worker = Number(await workerPid());
  process.kill(pid, 'SIGKILL');
  await waitFor('the exit to be reported', () => exits.length > 0);
  assert.deepEqual(exits, ['signal SIGKILL']);
  await waitFor(
    'the restart to finish',
    () => log.lines.some((line) => /nginx is back/.test(line)),
  );
  assert.notEqual(nginx.pid(), pid);
  assert.ok(await gone(worker), 'the orphaned worker is gone');
  assert.notEqual(Number(await workerPid()), worker);
  // nginx makes its unix socket 0666; the control socket is made owner-only again.
  assert.equal((await stat(socket)).mode & 0o777, 0o600);
});

test('reload and stop drop every publisher first (on_publish_done), so none lingers', async () => {
  const first = await publishLive();
  const before = await workerPid();
  await nginx.reload();
  assert.notEqual(await workerPid(), before);
  await waitFor('publish_done on reload', () => callsOf('publish-done', first.clientId)[0]);
  await waitFor('the publisher to end', () => exited(first.publisher));
  assert.throws(() => process.kill(Number(before), 0), 'the old worker is gone');

  // The reconnect lands in the new worker, where stat and control see it.
  const second = await publishLive();
  const master = nginx.pid()!;
  const started = Date.now();
  await nginx.stop();
  assert.ok(Date.now() - started < 5000, `stop took ${Date.now() - started} ms`);
  await waitFor('publish_done on stop', () => callsOf('publish-done', second.clientId)[0]);
  await waitFor('the publisher to end', () => exited(second.publisher));
  assert.equal(nginx.pid(), null);
  assert.throws(() => process.kill(master, 0));
  await assert.rejects(stat(socket), 'nginx removes its socket on a graceful stop');
  await sleep(500);
  assert.deepEqual(exits, ['signal SIGKILL'], 'no restart after stop');
});

test('after all of it (renames, updates, drops, a crash, a reload, a stop), the key is in no file nginx wrote', async () => {
  // Positive control: nginx did handle the key (it sent it to the hooks).
  assert.ok(hooks.some((call) => call.raw.includes(CANARY)));
  const files = await allFiles(workDir);
  assert.ok(files.some((f) => f.path.endsWith('logs/error.log')), 'error log exists');
  for (const file of files) {
    assert.ok(!file.text.includes(CANARY), `the stream key is in ${file.path}`);
  }
  assert.ok(!log.lines.join('\n').includes(CANARY));
});
