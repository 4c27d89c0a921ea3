// The edge's playback tokens checked by a REAL nginx `secure_link`, configured with the
// location block from the comment at the top of playback_token.ts, and the TypeScript
// check (`verifyPlaybackToken`, used for RTMP play) cross-checked against nginx's verdict
// on every case.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startNginx, type TestNginx } from '../testing/nginx.ts';
import { createTestEdge } from '../../edge/testing.ts';
import {
  playbackSecretFor,
  type PlaybackToken,
  playbackTokenQuery,
  signPlaybackToken,
  verifyPlaybackToken,
} from './playback_token.ts';

const NODE_SECRET = 'enc-1-node-secret-for-tests-0123456789abcdef';
const ROOMS = ['main-hall', 'main', 'side-room'];
const PLAYLIST = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2500000\n720p/index.m3u8\n';
const SEGMENT = new Uint8Array(188 * 4).fill(0x47);

function files(): Record<string, string | Uint8Array> {
  const out: Record<string, string | Uint8Array> = {};
  for (const room of ROOMS) {
    out[`www/hls/${room}/master.m3u8`] = PLAYLIST.replace('#EXTM3U', `#EXTM3U\n# ${room}`);
    out[`www/hls/${room}/720p/seg-00001.ts`] = SEGMENT;
  }
  return out;
}

/** The encoder's HLS server: the location block is the one documented in playback_token.ts. */
function httpConf(playbackSecret: string): string {
  return `
  map $host $playback_secret { default "${playbackSecret}"; }
  server {
    listen 127.0.0.1:{{port}};
    root {{prefix}}/www;
    # Only for the test: which verdict secure_link reached ("" bad, "0" expired, "1" ok).
    add_header X-Secure-Link "$secure_link" always;

    location ~ ^/hls/(?<room>[a-z0-9-]+)/ {
      secure_link     $arg_t,$arg_e;
      secure_link_md5 "$arg_e:$room:$arg_s $playback_secret";
      if ($secure_link = "")  { return 403; }   # bad or mutated token
      if ($secure_link = "0") { return 403; }   # expired
    }
  }
`;
}

let nginx: TestNginx;
let secret: string;

before(async () => {
  secret = await playbackSecretFor(NODE_SECRET);
  nginx = await startNginx(httpConf(secret), { files: files() });
});

after(async () => {
  await nginx?.stop();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

interface Verdict {
  status: number;
  secureLink: string;
  body: Uint8Array;
}

/** GET from nginx; `path` may carry any query. */
async function get(path: string): Promise<Verdict> {
  const res = await fetch(`${nginx.url}${path}`);
  return {
    status: res.status,
    // nginx leaves out a header whose value is empty.
    secureLink: res.headers.get('x-secure-link') ?? '',
    body: new Uint8Array(await res.arrayBuffer()),
  };
}

/**
 * nginx's verdict and `verifyPlaybackToken`'s on the same room and query, which must agree:
 * 200 ⇔ ok, and nginx's "0" (expired) ⇔ reason 'expired'.
 */
async function check(room: string, file: string, query: string, expectStatus: 200 | 403) {
  const verdict = await get(`/hls/${room}/${file}${query ? `?${query}` : ''}`);
  const params = new URLSearchParams(query);
  const ours = verifyPlaybackToken(
    secret,
    room,
    { e: params.get('e'), s: params.get('s'), t: params.get('t') },
    nowSeconds(),
  );
  const what =
    `${room}/${file}?${query}: nginx ${verdict.status} (secure_link "${verdict.secureLink}"), verifyPlaybackToken ${
      JSON.stringify(ours)
    }\n${await nginx.errorLog()}`;
  assert.equal(verdict.status, expectStatus, what);
  assert.equal(
    ours.ok,
    verdict.status === 200,
    `verifyPlaybackToken disagrees with nginx: ${what}`,
  );
  if (!ours.ok) {
    assert.equal(ours.reason === 'expired', verdict.secureLink === '0', `reasons differ: ${what}`);
  }
  return verdict;
}

const q = (token: PlaybackToken) => playbackTokenQuery(token);
const validFor = (room: string, session = 'viewer-session-1') =>
  signPlaybackToken(secret, room, session, nowSeconds() + 300);

test('a valid token opens the master playlist and the segments of its room', async () => {
  const token = validFor('main-hall');
  const playlist = await check('main-hall', 'master.m3u8', q(token), 200);
  assert.equal(playlist.secureLink, '1');
  assert.match(new TextDecoder().decode(playlist.body), /^#EXTM3U\n# main-hall\n/);
  const segment = await check('main-hall', '720p/seg-00001.ts', q(token), 200);
  assert.deepEqual(segment.body, SEGMENT);
  // The files exist for every room, so every 403 below is the token's doing.
  for (const room of ROOMS) await check(room, 'master.m3u8', q(validFor(room)), 200);
});

test('an expired token is refused', async () => {
  const token = signPlaybackToken(secret, 'main-hall', 'viewer-session-1', nowSeconds() - 60);
  const verdict = await check('main-hall', 'master.m3u8', q(token), 403);
  assert.equal(verdict.secureLink, '0');
  await check('main-hall', '720p/seg-00001.ts', q(token), 403);
  // Moving the expiry forward breaks the hash.
  const extended = `e=${nowSeconds() + 3600}&s=${token.session}&t=${token.hash}`;
  assert.equal((await check('main-hall', 'master.m3u8', extended, 403)).secureLink, '');
});

test('a mutated hash, a wrong secret or a changed session is refused', async () => {
  const token = validFor('main-hall');
  for (const i of [0, 5, 10, 20]) {
    const c = token.hash[i]!;
    const mutated = token.hash.slice(0, i) + (c === 'A' ? 'B' : 'A') + token.hash.slice(i + 1);
    await check('main-hall', 'master.m3u8', q({ ...token, hash: mutated }), 403);
  }
  await check('main-hall', 'master.m3u8', q({ ...token, hash: token.hash.slice(0, -1) }), 403);
  await check('main-hall', 'master.m3u8', q({ ...token, hash: `${token.hash}AA` }), 403);
  await check('main-hall', 'master.m3u8', q({ ...token, session: 'viewer-session-2' }), 403);
  const otherNode = signPlaybackToken(
    await playbackSecretFor('another-node-secret'),
    'main-hall',
    'viewer-session-1',
    nowSeconds() + 300,
  );
  await check('main-hall', 'master.m3u8', q(otherNode), 403);
});

test("a token for another room is refused, also through '..' in the path", async () => {
  const side = q(validFor('side-room'));
  await check('main-hall', 'master.m3u8', side, 403);
  await check('main-hall', '720p/seg-00001.ts', side, 403);
  // nginx normalises the path before matching, so the room is the one actually served.
  for (
    const path of [
      'side-room/../main-hall',
      'side-room/..%2Fmain-hall',
      'side-room%2F..%2Fmain-hall',
    ]
  ) {
    const verdict = await get(`/hls/${path}/master.m3u8?${side}`);
    assert.equal(verdict.status, 403, `${path}: ${verdict.status}`);
    // …and it is main-hall's token that opens it.
    const own = await get(`/hls/${path}/master.m3u8?${q(validFor('main-hall'))}`);
    assert.equal(own.status, 200, `${path}: ${own.status}`);
    assert.match(new TextDecoder().decode(own.body), /^#EXTM3U\n# main-hall\n/);
  }
});

test('missing parameters are refused', async () => {
  const { expires: e, session: s, hash: t } = validFor('main-hall');
  for (
    const query of [
      '',
      `s=${s}&t=${t}`,
      `e=${e}&t=${t}`,
      `e=${e}&s=${s}`,
      `e=&s=${s}&t=${t}`,
      `e=${e}&s=${s}&t=`,
    ]
  ) {
    await check('main-hall', 'master.m3u8', query, 403);
    await check('main-hall', '720p/seg-00001.ts', query, 403);
  }
});

test('moving characters between room and session does not carry a token to another room', async () => {
  // Viewers choose their session id (renewal), so one could ask the edge for a token for
  // room 'main' with session '-hall…' and try it on 'main-hall', or the other way round.
  // Without the ':' separators both would hash 'main-hall…' alike.
  const e = nowSeconds() + 300;
  const forMain = signPlaybackToken(secret, 'main', '-hallviewer1', e);
  await check('main', 'master.m3u8', q(forMain), 200);
  await check('main-hall', 'master.m3u8', `e=${e}&s=viewer1&t=${forMain.hash}`, 403);
  await check('main-hall', 'master.m3u8', `e=${e}&s=-hallviewer1&t=${forMain.hash}`, 403);

  const forMainHall = signPlaybackToken(secret, 'main-hall', 'viewer1x', e);
  await check('main-hall', 'master.m3u8', q(forMainHall), 200);
  await check('main', 'master.m3u8', `e=${e}&s=-hallviewer1x&t=${forMainHall.hash}`, 403);
  await check('main', 'master.m3u8', `e=${e}&s=hall:viewer1x&t=${forMainHall.hash}`, 403);
  await check('main', 'master.m3u8', `e=${e}&s=hall%3Aviewer1x&t=${forMainHall.hash}`, 403);
  // The expiry cannot absorb the room either.
  await check('main', 'master.m3u8', `e=${e}:main&s=hall:viewer1x&t=${forMainHall.hash}`, 403);
});

test("the edge's own playback grant plays from nginx", async () => {
  const edge = await createTestEdge();
  try {
    // The test edge starts at a fixed date; move it to now, as nginx checks expiry by its clock.
    edge.advance(Date.now() - edge.deps.now());
    const added =
      await (await edge.asOperator('POST', '/api/v1/nodes', { id: 'enc-1', kind: 'encoder' }))
        .json();
    await edge.asNode('enc-1', added.secret, '/api/v1/node/register', {
      v: 1,
      nodeId: 'enc-1',
      kind: 'encoder',
      softwareVersion: '0.1.0',
      publicUrl: 'https://enc-1.example.test',
      rtmpUrl: 'rtmp://enc-1.example.test/live',
      capacity: 3,
    });
    const key =
      (await (await edge.asOperator('POST', '/api/v1/rooms', { id: 'main-hall' })).json()).streamKey
        .key;
    const allowed = await (await edge.asNode('enc-1', added.secret, '/api/v1/node/hooks/publish', {
      v: 1,
      nodeId: 'enc-1',
      clientId: '3',
      app: 'live',
      streamKey: key,
      addr: '192.0.2.1',
    })).json();
    assert.equal(allowed.decision, 'allow');
    const res = await edge.app.request('/api/v1/public/rooms/main-hall/playback', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 200);
    const grant = new URL((await res.json()).url);

    // An nginx configured with this node's playback secret, as the encoder renders it.
    const own = await startNginx(httpConf(await playbackSecretFor(added.secret)), {
      files: files(),
    });
    try {
      const playlist = await fetch(`${own.url}${grant.pathname}${grant.search}`);
      assert.equal(playlist.status, 200, await own.errorLog());
      assert.match(await playlist.text(), /^#EXTM3U\n# main-hall\n/);
      const segment = await fetch(`${own.url}/hls/main-hall/720p/seg-00001.ts${grant.search}`);
      assert.equal(segment.status, 200);
      assert.deepEqual(new Uint8Array(await segment.arrayBuffer()), SEGMENT);
      assert.equal(
        (await fetch(`${own.url}/hls/side-room/master.m3u8${grant.search}`)).status,
        403,
      );
    } finally {
      await own.stop();
    }
    // The shared nginx has another node's secret: the grant is worthless there.
    assert.equal((await get(`${grant.pathname}${grant.search}`)).status, 403);
  } finally {
    await edge.close();
  }
});

test('base64url: nginx ignores the unused low bits of the last hash character', async () => {
  // 16 MD5 bytes are 22 base64url characters; the last one carries 2 bits, and nginx's
  // decoder drops the other 4. So nginx accepts 16 spellings of each token (never a
  // different hash), while verifyPlaybackToken compares strings and accepts only the one
  // the edge issues. Harmless, but it is the one place the two checks differ.
  const token = validFor('main-hall');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(token.hash.at(-1)!);
  assert.equal(last % 16, 0, 'the edge issues canonical base64url');
  let accepted = 0;
  for (const [i, c] of [...alphabet].entries()) {
    const spelled = { ...token, hash: token.hash.slice(0, -1) + c };
    const verdict = await get(`/hls/main-hall/master.m3u8?${q(spelled)}`);
    const sameBytes = (i >> 4) === (last >> 4);
    assert.equal(verdict.status, sameBytes ? 200 : 403, `last character ${c}`);
    if (verdict.status === 200) accepted++;
    const ours = verifyPlaybackToken(secret, 'main-hall', {
      e: String(token.expires),
      s: token.session,
      t: spelled.hash,
    }, nowSeconds());
    assert.equal(ours.ok, i === last, `verifyPlaybackToken on last character ${c}`);
  }
  assert.equal(accepted, 16);
});
