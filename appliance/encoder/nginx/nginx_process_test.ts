// startEncoderNginx with the real nginx binary but no RTMP traffic: a conf nginx refuses
// becomes an error naming the line (secrets masked), a port in use fails the start with
// nginx's reason, a stale control socket is cleared, and a restart that fails its config
// test is retried until the conf is fixed. (Streams, reload and stop with publishers are
// in nginx_e2e_test.ts.)
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { createMemoryLogger } from '../../../core/log.ts';
import { freePort } from '../../../core/testing/net.ts';
import { startProcess } from '../../../core/testing/process.ts';
import { controlGet } from './control.ts';
import { type EncoderNginxInput, renderEncoderNginxConf } from './nginx_conf.ts';
import { listenTargets, startEncoderNginx } from './nginx_process.ts';

const SECRET = 'c0ffee'.repeat(11).slice(0, 64);
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ input: EncoderNginxInput; confPath: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-nginx-proc-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'hls'));
  const input: EncoderNginxInput = {
    prefix: join(dir, 'nginx'),
    hlsRoot: join(dir, 'hls'),
    rtmp: { host: '127.0.0.1', port: await freePort() },
    http: { host: '127.0.0.1', port: await freePort() },
    hookBaseUrl: 'http://127.0.0.1:9/hooks/secret-hook-token-0123456789',
    controlSocket: join(dir, 'nginx/control.sock'),
    playbackSecret: SECRET,
    corsOrigin: '*',
    accessLogPath: join(dir, 'nginx/logs/hls-access.log'),
    runAsUser: process.getuid?.() === 0 ? 'nobody nogroup' : null,
    updateIntervalSeconds: 5,
    idlePublisherSeconds: 10,
  };
  await mkdir(input.prefix);
  const confPath = join(input.prefix, 'nginx.conf');
  await writeFile(confPath, renderEncoderNginxConf(input), { mode: 0o600 });
  return { input, confPath };
}

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await lstat(path).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} did not appear`);
}

function start(input: EncoderNginxInput, confPath: string) {
  const log = createMemoryLogger('nginx');
  const nginx = startEncoderNginx({
    confPath,
    prefix: input.prefix,
    log,
    readyTimeoutMs: 10_000,
    restartDelayMs: { initial: 100, max: 400 },
  });
  cleanups.push(() => nginx.stop());
  return { nginx, log };
}

test('listenTargets finds the control socket and the RTMP and HTTP listeners', () => {
  const conf = renderEncoderNginxConf({
    prefix: '/w/nginx',
    hlsRoot: '/w/hls',
    rtmp: { host: '0.0.0.0', port: 1935 },
    http: { host: '::1', port: 8088 },
    hookBaseUrl: 'http://127.0.0.1:8089/hooks/t',
    controlSocket: '/w/nginx/control.sock',
    playbackSecret: SECRET,
    corsOrigin: '*',
    accessLogPath: '/w/nginx/logs/a.log',
    runAsUser: null,
    updateIntervalSeconds: 5,
    idlePublisherSeconds: 10,
  });
  assert.deepEqual(listenTargets(conf), {
    controlSocket: '/w/nginx/control.sock',
    rtmp: { host: '0.0.0.0', port: 1935 },
    http: { host: '::1', port: 8088 },
  });
  assert.throws(() => listenTargets('events {}\nhttp {\n  server { listen 80; }\n}\n'), /no unix/);
});

test('a conf nginx -t refuses is an error naming the line, with secrets masked', async () => {
  const { input, confPath } = await setup();
  const conf = await readFile(confPath, 'utf8');
  const broken = conf.replace(`default "${SECRET}";`, `default "${SECRET}" oops;`);
  assert.notEqual(broken, conf);
  await writeFile(confPath, broken);
  const line = broken.split('\n').findIndex((l) => l.includes('oops')) + 1;
  const { nginx, log } = start(input, confPath);
  const error: Error = await nginx.ready.then(() => assert.fail('started'), (e: Error) => e);
  assert.match(
    error.message,
    new RegExp(`nginx\\.conf:${line} \\(line ${line}: default "\\*\\*\\*" oops;\\)`),
  );
  assert.match(error.message, /\[emerg\]/);
  assert.ok(!error.message.includes(SECRET), error.message);
  assert.ok(!log.lines.join('\n').includes(SECRET));
  assert.equal(nginx.pid(), null);
});

test("a port already in use fails the start with nginx's own reason", async () => {
  const { input, confPath } = await setup();
  const blocker: NetServer = createNetServer();
  await new Promise<void>((resolve) => blocker.listen(input.http.port, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
  const { nginx } = start(input, confPath);
  await assert.rejects(nginx.ready, /before it was ready: .*bind\(\) to 127\.0\.0\.1:\d+ failed/);
  assert.equal(nginx.pid(), null);
});

test('a stale control socket is cleared; one something answers on is refused', async () => {
  const { input, confPath } = await setup();
  // A socket file nobody listens on any more, as a killed nginx leaves it: a process that
  // listens on it and is killed (no cleanup on SIGTERM).
  const holder = startProcess(process.execPath, [
    '-e',
    'require("node:net").createServer().listen(process.argv[1])',
    input.controlSocket,
  ]);
  await holder.whenReady(waitForFile(input.controlSocket));
  await holder.stop();
  assert.ok((await lstat(input.controlSocket)).isSocket(), 'the stale socket is left behind');
  const { nginx } = start(input, confPath);
  await nginx.ready;
  assert.match(await controlGet(input.controlSocket, '/stat'), /<rtmp>/);
  await nginx.stop();

  const squatter = createNetServer();
  await new Promise<void>((resolve) => squatter.listen(input.controlSocket, resolve));
  cleanups.push(() => new Promise((resolve) => squatter.close(resolve)));
  const second = start(input, confPath).nginx;
  await assert.rejects(second.ready, /another process answers on nginx's control socket/);
});

test('a restart whose config test fails is retried until the conf is fixed', async () => {
  const { input, confPath } = await setup();
  const { nginx, log } = start(input, confPath);
  const exits: string[] = [];
  nginx.onExit((reason) => exits.push(reason));
  await nginx.ready;
  const good = await readFile(confPath, 'utf8');
  await writeFile(confPath, good.replace('sendfile on;', 'sendfile maybe;'));
  process.kill(nginx.pid()!, 'SIGKILL');
  const until = async (what: string, ok: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}\n${log.lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await until('two failed restarts', () => exits.length >= 3);
  assert.equal(exits[0], 'signal SIGKILL');
  assert.match(exits[1]!, /^restart failed: nginx config .* invalid value "maybe"/);
  assert.equal(nginx.pid(), null);
  await writeFile(confPath, good);
  await until('nginx back', () => nginx.pid() !== null && log.lines.some((l) => /is back/.test(l)));
  assert.match(await controlGet(input.controlSocket, '/stat'), /<rtmp>/);
});
