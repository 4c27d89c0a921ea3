// An event file, for real: `roomcast edge` on a free port, then the real CLI
// (`node bin/roomcast.js event …`) plans, applies and re-applies the three-room fixture,
// and renders the box configs with the stream keys the first apply printed.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { chatGuestCookie } from '../core/testing/chat_client.ts';
import { freePort, NODE_PROCESS_START_MS, waitForPort } from '../core/testing/net.ts';
import { type RunningProcess, startProcess } from '../core/testing/process.ts';
import { type CliResult, runRoomcast } from './support/cli.ts';
import { ROOMCAST, ROOT } from './support/stack.ts';

const FIXTURE = join(ROOT, 'core/event/fixtures/three-rooms.yaml');

let dir: string;
let env: NodeJS.ProcessEnv;
let edge: RunningProcess;
let edgeUrl: string;

function roomcast(args: string[]): Promise<CliResult> {
  return runRoomcast(args, { cwd: dir, env });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomcast-event-'));
  const port = await freePort();
  edgeUrl = `http://127.0.0.1:${port}`;
  env = {
    ...process.env,
    ROOMCAST_EDGE_LISTEN_PORT: String(port),
    ROOMCAST_EDGE_PUBLIC_URL: edgeUrl,
    XDG_CONFIG_HOME: join(dir, 'xdg'),
  };
  delete env.ROOMCAST_TOKEN;
  delete env.ROOMCAST_EDGE_URL;
  edge = startProcess(process.execPath, [ROOMCAST, 'edge'], { cwd: dir, env });
  await waitForPort(port, '127.0.0.1', NODE_PROCESS_START_MS);
  // The fixture, pointed at this edge; the CLI uses the admin token the edge wrote.
  const text = await readFile(FIXTURE, 'utf8');
  await writeFile(join(dir, 'event.yaml'), text.replace('https://edge.example.org', edgeUrl));
});

after(async () => {
  await edge?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('event apply: dry run, apply, re-apply unchanged; then render with the new keys', async () => {
  const dry = await roomcast(['event', 'apply', 'event.yaml', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(
    dry.stdout,
    [
      `dry run against ${edgeUrl}: nothing was changed; a real run would do this:`,
      'event devconf-2026: create',
      'room main-hall: create',
      'room side-room: create',
      'room workshop: create',
      '',
    ].join('\n'),
  );
  const none = await roomcast(['room', 'list', '--json']);
  assert.deepEqual(JSON.parse(none.stdout).rooms, [], 'a dry run changes nothing');

  const applied = await roomcast(['event', 'apply', 'event.yaml', '--json']);
  assert.equal(applied.code, 0, applied.stderr);
  const result = JSON.parse(applied.stdout);
  assert.equal(result.dryRun, false);
  assert.equal(result.event.action, 'create');
  assert.equal(result.event.done, true);
  const keys = Object.fromEntries(
    result.rooms.map((room: { id: string; streamKey: { key: string } }) => [
      room.id,
      room.streamKey.key,
    ]),
  );
  assert.deepEqual(Object.keys(keys), ['main-hall', 'side-room', 'workshop']);

  const again = await roomcast(['event', 'apply', 'event.yaml']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(
    again.stdout,
    [
      `applied to ${edgeUrl}:`,
      'event devconf-2026: unchanged',
      'room main-hall: unchanged',
      'room side-room: unchanged',
      'room workshop: unchanged',
      '',
    ].join('\n'),
  );
  // The file lets guests chat (defaults.chat.guests), which this edge does not by default.
  const cookie = await chatGuestCookie(edgeUrl);
  const posted = await fetch(`${edgeUrl}/api/v1/chat/rooms/workshop/messages`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: '{"text":"hello from the back row"}',
  });
  assert.equal(posted.status, 201, await posted.clone().text());
  const mainChat = await (await fetch(`${edgeUrl}/api/v1/chat/rooms/main-hall/settings`)).json();
  assert.equal(mainChat.slowModeSeconds, 5);

  const listed = await roomcast(['room', 'list', '--event', 'devconf-2026']);
  assert.match(
    listed.stdout,
    /^workshop\s+Workshop: hands-on\s+devconf-2026\s+offline\s+2 renditions$/m,
  );

  // The secrets file the operator keeps: the keys apply printed, the node secrets.
  const secrets = {
    nodes: Object.fromEntries(
      ['collector-main-hall', 'col-workshop', 'collector-side-room', 'encoder-1', 'encoder-2']
        .map((id) => [id, { nodeSecret: `e2e-secret-${id}` }]),
    ),
    rooms: Object.fromEntries(Object.entries(keys).map(([id, key]) => [id, { streamKey: key }])),
  };
  await writeFile(join(dir, 'secrets.yaml'), stringify(secrets), { mode: 0o600 });
  const rendered = await roomcast([
    'event',
    'render',
    'event.yaml',
    '--secrets',
    'secrets.yaml',
    '--out',
    'out',
  ]);
  assert.equal(rendered.code, 0, rendered.stderr);
  assert.equal(rendered.stderr, '', 'no warning for a 0600 secrets file');
  assert.match(
    rendered.stdout,
    /^ {2}enc-1\.example\.org\/ +encoder \(main-hall, side-room\): encoder\.yaml, encoder\.env$/m,
  );
  const yaml = await readFile(join(dir, 'out/col-main.venue.lan/collector.yaml'), 'utf8');
  assert.match(yaml, new RegExp(`edgeUrl: ${edgeUrl.replace(/[.:/]/g, '\\$&')}\n`));
  assert.ok(!yaml.includes(keys['main-hall']), 'no stream key in the YAML');
  const envFile = join(dir, 'out/col-main.venue.lan/collector.env');
  assert.match(
    await readFile(envFile, 'utf8'),
    new RegExp(`^ROOMCAST_COLLECTOR_STREAM_KEY=${keys['main-hall']}$`, 'm'),
  );
  assert.equal((await stat(envFile)).mode & 0o777, 0o600);
  assert.ok(!rendered.stdout.includes(keys['main-hall']), 'render prints no secret');
});

test('a bad event file is refused before anything is done, naming file, room and key', async () => {
  const text = (await readFile(join(dir, 'event.yaml'), 'utf8'))
    .replace('output: { fps: 25 }', 'output: { fps: 0 }\n      streamKey: rk_not-here');
  await writeFile(join(dir, 'bad.yaml'), text);
  const refused = await roomcast(['event', 'apply', 'bad.yaml']);
  assert.equal(refused.code, 2);
  assert.equal(
    refused.stderr,
    [
      'roomcast: invalid event file (2 problem(s)):',
      'bad.yaml:66:22: rooms.side-room.collector.output.fps: must be a whole number from 1 to ' +
      '120 (got 0)',
      'bad.yaml:67:18: rooms.side-room.collector.streamKey: secrets never go in the event file: ' +
      'stream keys go under rooms.side-room.streamKey of the secrets file given with --secrets ' +
      '(docs/event-file.md)',
      '',
    ].join('\n'),
  );
  assert.doesNotMatch(refused.stderr, /rk_not-here/);
});
