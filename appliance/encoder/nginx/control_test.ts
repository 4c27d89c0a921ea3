// control.ts without nginx: the rtmp_stat reader on a document recorded from nginx-rtmp
// 1.2.2 (one publisher with metadata, one player), and the requests the drop calls make,
// against a stand-in HTTP server on a unix socket. The real nginx is in nginx_e2e_test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  controlGet,
  dropClient,
  dropPublisher,
  parseStreamStats,
  parseXml,
  readStreams,
} from './control.ts';

// As nginx-rtmp 1.2.2 writes it (`rtmp_stat all`), trimmed of nothing.
const STAT = `<?xml version="1.0" encoding="utf-8" ?>
<rtmp>
<nginx_version>1.22.1</nginx_version>
<nginx_rtmp_version>1.1.4</nginx_rtmp_version>
<built>Feb 13 2023 11:56:56</built>
<pid>1672</pid>
<uptime>9</uptime>
<naccepted>3</naccepted>
<bw_in>0</bw_in>
<bytes_in>395902</bytes_in>
<bw_out>0</bw_out>
<bytes_out>409</bytes_out>
<server>
<application>
<name>live</name>
<live>
<stream>
<name>room-a</name>
<time>1735</time><bw_in>1204112</bw_in>
<bytes_in>394179</bytes_in>
<bw_out>0</bw_out>
<bytes_out>0</bytes_out>
<bw_audio>0</bw_audio>
<bw_video>0</bw_video>
<client><id>1</id><address>127.0.0.1</address><time>3423</time><flashver>FMLE/3.0 (compatible; Lavf59.27</flashver><dropped>0</dropped><avsync>-11</avsync><timestamp>1590</timestamp><publishing/><active/></client>
<client><id>13</id><address>127.0.0.1</address><time>812</time><flashver>LNX 9,0,124,2</flashver><dropped>0</dropped><avsync>0</avsync><timestamp>1590</timestamp><active/></client>
<meta><video><width>640</width><height>360</height><frame_rate>30</frame_rate><codec>H264</codec><profile>Baseline</profile><compat>192</compat><level>3.0</level></video><audio><codec>AAC</codec><profile>LC</profile><channels>1</channels><sample_rate>44100</sample_rate></audio></meta>
<nclients>2</nclients>
<publishing/>
<active/>
</stream>
<stream>
<name>room-b</name>
<time>120</time><bw_in>0</bw_in>
<bytes_in>3650</bytes_in>
<bw_out>0</bw_out>
<bytes_out>0</bytes_out>
<bw_audio>0</bw_audio>
<bw_video>0</bw_video>
<client><id>7</id><address>198.51.100.4</address><time>120</time><flashver>FMLE/3.0</flashver><dropped>0</dropped><avsync>0</avsync><timestamp>0</timestamp><publishing/></client>
<nclients>1</nclients>
<publishing/>
</stream>
<nclients>3</nclients>
</live>
</application>
<application>
<name>other</name>
<live>
<stream>
<name>x&amp;y</name>
<time>5</time><bw_in>0</bw_in>
<bytes_in>0</bytes_in>
<nclients>0</nclients>
</stream>
<nclients>0</nclients>
</live>
</application>
</server>
</rtmp>
`;

test('rtmp_stat: streams with publisher, players, metadata and input rate', () => {
  assert.deepEqual(parseStreamStats(STAT, 'live'), [
    {
      name: 'room-a',
      publisher: { clientId: '1', addr: '127.0.0.1', bytesIn: 394179, time: 3423 },
      players: 1,
      meta: {
        video: {
          width: 640,
          height: 360,
          frameRate: 30,
          codec: 'H264',
          profile: 'Baseline',
          level: '3.0',
        },
        audio: { codec: 'AAC', sampleRate: 44100, channels: 1 },
      },
      bwIn: 1204112,
    },
    {
      name: 'room-b',
      publisher: { clientId: '7', addr: '198.51.100.4', bytesIn: 3650, time: 120 },
      players: 0,
      meta: null,
      bwIn: 0,
    },
  ]);
  // Without an app: every application's streams; entities decoded.
  const all = parseStreamStats(STAT);
  assert.deepEqual(all.map((s) => s.name), ['room-a', 'room-b', 'x&y']);
  assert.deepEqual(all[2], { name: 'x&y', publisher: null, players: 0, meta: null, bwIn: 0 });
});

test('rtmp_stat: an nginx without streams, and documents that are not rtmp_stat', () => {
  const empty =
    '<?xml version="1.0" encoding="utf-8" ?>\n<rtmp><server><application><name>live</name>' +
    '<live><nclients>0</nclients></live></application></server></rtmp>';
  assert.deepEqual(parseStreamStats(empty, 'live'), []);
  assert.throws(() => parseStreamStats('<html><body>502</body></html>'), /no <rtmp>/);
  assert.throws(() => parseXml('<rtmp><server></rtmp>'), /unexpected <\/rtmp>/);
  assert.throws(() => parseXml('<rtmp><server>'), /not closed/);
  assert.throws(() => parseXml('</rtmp>'), /unexpected/);
  assert.throws(() => parseXml('<rtmp>a < b</rtmp>'), /malformed/);
});

test('parseXml: text, self-closing elements, entities, comments and CDATA', () => {
  const root = parseXml(
    '<?xml version="1.0"?><!-- c --><a x="1"><b>&lt;1&gt; &amp; &#65;&#x42;</b><c/>' +
      '<d><![CDATA[<raw>]]></d></a>',
  );
  const a = root.children[0]!;
  assert.equal(a.name, 'a');
  assert.deepEqual(a.children.map((c) => [c.name, c.text]), [
    ['b', '<1> & AB'],
    ['c', ''],
    ['d', '<raw>'],
  ]);
});

let server: Server;
let dir: string;
let socket: string;
const requests: string[] = [];
let answer = { status: 200, body: '1' };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomcast-control-'));
  socket = join(dir, 'control.sock');
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(answer.status).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});

after(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

test('drops are rtmp_control GETs with the target as query; the answer is the count', async () => {
  answer = { status: 200, body: '1' };
  assert.equal(await dropPublisher(socket, { app: 'live', clientId: '42' }), 1);
  assert.equal(requests.at(-1), '/control/drop/publisher?app=live&clientid=42');
  answer = { status: 200, body: '0' };
  assert.equal(await dropPublisher(socket, { app: 'live', name: 'room a', clientId: '42' }), 0);
  assert.equal(requests.at(-1), '/control/drop/publisher?app=live&name=room+a&clientid=42');
  answer = { status: 200, body: '3' };
  assert.equal(await dropClient(socket, { app: 'live', addr: '127.0.0.1' }), 3);
  assert.equal(requests.at(-1), '/control/drop/client?app=live&addr=127.0.0.1');
});

test('control failures are errors that say what nginx said', async () => {
  answer = { status: 400, body: 'Application not found' };
  await assert.rejects(
    dropPublisher(socket, { app: 'x', clientId: '1' }),
    /\/control\/drop\/publisher: 400 Application not found/,
  );
  answer = { status: 200, body: '<html>not a number</html>' };
  await assert.rejects(dropPublisher(socket, { app: 'live', clientId: '1' }), /unexpected answer/);
  await assert.rejects(controlGet(join(dir, 'missing.sock'), '/stat'), /ENOENT/);
  answer = { status: 200, body: STAT };
  assert.deepEqual((await readStreams(socket, 'live')).map((s) => s.name), ['room-a', 'room-b']);
  assert.equal(requests.at(-1), '/stat');
});
