// The operator's first steps, for real: `roomcast edge` on embedded defaults (its own data
// dir, a free port), then the CLI creates a room, adds an encoder node, and checks publish
// authorisation with a right and a wrong key — the same signed request nginx relays.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, NODE_PROCESS_START_MS, waitForPort } from '../core/testing/net.ts';
import { type RunningProcess, startProcess } from '../core/testing/process.ts';
import { COMMANDS, main } from '../cli/main.ts';
import { type CliResult, runRoomcast } from './support/cli.ts';
import { ROOMCAST, ROOT } from './support/stack.ts';

const DENO = join(ROOT, 'node_modules/.bin/deno');

let dir: string;
let env: NodeJS.ProcessEnv;
let edge: RunningProcess;

function roomcast(
  args: string[],
  stdin = '',
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  return runRoomcast(args, { cwd: dir, env: { ...env, ...extraEnv }, stdin });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomcast-e2e-'));
  const port = await freePort();
  env = {
    ...process.env,
    ROOMCAST_EDGE_LISTEN_PORT: String(port),
    ROOMCAST_EDGE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    ROOMCAST_ENCODER_EDGE_URL: `http://127.0.0.1:${port}`,
    XDG_CONFIG_HOME: join(dir, 'xdg'),
  };
  edge = startProcess(process.execPath, [ROOMCAST, 'edge'], { cwd: dir, env });
  await waitForPort(port, '127.0.0.1', NODE_PROCESS_START_MS);
});

after(async () => {
  await edge?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('room create prints the room id and a stream key; publish auth accepts it and refuses a wrong one', async () => {
  const created = await roomcast(['room', 'create', 'demo', '--title', 'Demo room', '--json']);
  assert.equal(created.code, 0, created.stderr);
  const { room, streamKey } = JSON.parse(created.stdout);
  assert.equal(room.id, 'demo');
  assert.match(streamKey.key, /^rk_/);

  const node = await roomcast(['node', 'add', 'encoder-1', '--kind', 'encoder', '--json']);
  assert.equal(node.code, 0, node.stderr);
  const nodeEnv = { ROOMCAST_ENCODER_NODE_SECRET: JSON.parse(node.stdout).secret };

  const allowed = await roomcast(
    ['encoder', 'check-publish', '--json'],
    `${streamKey.key}\n`,
    nodeEnv,
  );
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.equal(JSON.parse(allowed.stdout).decision, 'allow');
  assert.equal(JSON.parse(allowed.stdout).room, 'demo');

  const refused = await roomcast(['encoder', 'check-publish'], 'rk_not-the-key\n', nodeEnv);
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /refused: unknown stream key/);

  const list = await roomcast(['room', 'list']);
  assert.match(list.stdout, /^ROOM\s+TITLE/m);
  assert.match(list.stdout, /^demo\s+Demo room/m);

  // The key was printed to the operator once; it is nowhere in the edge's output or files.
  assert.ok(!edge.output().includes(streamKey.key), 'edge log must not contain the stream key');
  const db = await readFile(join(dir, 'data/edge/roomcast.db'));
  assert.ok(!db.includes(Buffer.from(streamKey.key)), 'database must hold only the hash');
});

test('every command has --help; unknown commands and bad config are clear errors', async () => {
  const overview = await roomcast(['--help']);
  assert.equal(overview.code, 0);
  const names = [...overview.stdout.matchAll(/^ {2}([a-z-]+(?: [a-z-]+)?) {2,}/gm)].map((m) =>
    m[1]!
  );
  assert.deepEqual(
    names.sort(),
    COMMANDS.map((c) => c.name).sort(),
    'the overview lists every command',
  );
  // In-process: one tsx start per command would make this test slow for nothing.
  for (const name of names) {
    const lines: string[] = [];
    const code = await main([...name.split(' '), '--help'], {
      write: (t) => lines.push(t),
      writeError: (t) => lines.push(t),
    });
    assert.equal(code, 0, `${name} --help`);
    assert.match(lines.join('\n'), new RegExp(`^usage: roomcast ${name}`), `${name} --help`);
    assert.match(lines.join('\n'), /--json/, `${name} --help mentions --json`);
  }

  const unknown = await roomcast(['rooms', 'frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'rooms frobnicate'/);

  const badConfig = await roomcast(['config', 'check'], '', { ROOMCAST_EDGE_LISTEN_PORT: 'abc' });
  assert.equal(badConfig.code, 2);
  assert.match(badConfig.stderr, /'edge\.listen\.port'/);
  assert.match(badConfig.stderr, /ROOMCAST_EDGE_LISTEN_PORT/);

  const missingArg = await roomcast(['room', 'create']);
  assert.equal(missingArg.code, 2);
  assert.match(missingArg.stderr, /takes 1 argument/);
});

test('the CLI without a token says how to get one', async () => {
  const other = await freePort();
  const refused = await roomcast(['room', 'list', '--edge', `http://127.0.0.1:${other}`]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /cannot reach the edge/);

  const noToken = await roomcast([
    'room',
    'list',
    '--edge',
    env.ROOMCAST_EDGE_PUBLIC_URL!.replace('127.0.0.1', 'localhost'),
  ]);
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /no token: run roomcast login/);
});

test('the same edge runs on Deno', async () => {
  const port = await freePort();
  const denoDir = await mkdtemp(join(tmpdir(), 'roomcast-deno-'));
  const deno = startProcess(DENO, [
    'run',
    '--cached-only',
    '--allow-all',
    join(ROOT, 'edge/main_deno.ts'),
  ], {
    cwd: denoDir,
    env: {
      ...process.env,
      ROOMCAST_EDGE_LISTEN_PORT: String(port),
      ROOMCAST_EDGE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    },
  });
  try {
    await waitForPort(port, '127.0.0.1', NODE_PROCESS_START_MS);
    const health = await (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).json();
    assert.equal(health.ok, true);
    const token = (await readFile(join(denoDir, 'data/edge/admin-token'), 'utf8')).trim();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/rooms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'on-deno' }),
    });
    assert.equal(res.status, 201, deno.output());
    assert.equal((await res.json()).room.id, 'on-deno');
  } finally {
    await deno.stop();
    await rm(denoDir, { recursive: true, force: true });
  }
});
