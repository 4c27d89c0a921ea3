// The notifier against a real notify socket (systemd-socket-activate binds it, as systemd
// would), through the real systemd-notify: what arrives, in which order, and nothing at
// all without NOTIFY_SOCKET.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../log.ts';
import { listenNotifySocket } from '../testing/notify_socket.ts';
import { createServiceNotifier, statusText, takeNotifySocket } from './notify.ts';

function capturingLog() {
  const lines: string[] = [];
  return { lines, log: createLogger({ component: 'test', sink: (_l, line) => lines.push(line) }) };
}

for (const abstract of [false, true]) {
  test(`READY=1, STATUS and STOPPING=1 reach ${abstract ? 'an abstract' : 'a path'} socket in order`, async () => {
    const socket = await listenNotifySocket({ abstract });
    try {
      if (abstract) assert.match(socket.address, /^@/);
      const { lines, log } = capturingLog();
      const notify = createServiceNotifier({ socket: socket.address, log });
      assert.equal(notify.enabled, true);
      await notify.status('starting nginx');
      await notify.ready('nginx up\nregistered');
      await notify.ready('registered again');
      await notify.stopping('SIGTERM: stopping');
      await notify.ready('too late');
      await notify.status('too late');
      await socket.waitFor('STOPPING', '1', 10_000);
      const got = socket.notifications().map((n) => n.fields);
      assert.deepEqual(got, [
        { MAINPID: String(process.pid), STATUS: 'starting nginx' },
        { MAINPID: String(process.pid), READY: '1', STATUS: 'nginx up registered' },
        { MAINPID: String(process.pid), STATUS: 'registered again' },
        { MAINPID: String(process.pid), STOPPING: '1', STATUS: 'SIGTERM: stopping' },
      ]);
      assert.deepEqual(lines, [], 'no warnings');
    } finally {
      await socket.close();
    }
  });
}

test('without NOTIFY_SOCKET nothing is started, sent or logged', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-notify-'));
  try {
    // A stand-in systemd-notify that records every call: it must never run.
    const calls = join(dir, 'calls');
    const fake = join(dir, 'systemd-notify');
    await writeFile(fake, `#!/bin/sh\necho "$@" >> ${calls}\n`);
    await chmod(fake, 0o755);
    for (const socket of [undefined, '']) {
      const { lines, log } = capturingLog();
      const notify = createServiceNotifier({ socket, log, binary: fake });
      assert.equal(notify.enabled, false);
      await notify.ready('listening');
      await notify.status('still here');
      await notify.stopping('stopping');
      assert.deepEqual(lines, []);
    }
    await assert.rejects(readFile(calls), { code: 'ENOENT' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a missing systemd-notify is one warning, never an exception', async () => {
  const { lines, log } = capturingLog();
  const notify = createServiceNotifier({
    socket: '/run/nothing-here/notify',
    log,
    binary: '/nonexistent/systemd-notify',
  });
  await notify.ready('listening');
  await notify.status('again');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /could not notify systemd/);
});

test('an unreachable socket is a warning naming systemd-notify', async () => {
  const { lines, log } = capturingLog();
  const notify = createServiceNotifier({ socket: '/run/nothing-here/notify', log });
  await notify.ready('listening');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /could not notify systemd.*systemd-notify/);
});

test('takeNotifySocket hands the address over once and hides it from children', () => {
  const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '@abc', PATH: '/usr/bin' };
  assert.equal(takeNotifySocket(env), '@abc');
  assert.deepEqual(env, { PATH: '/usr/bin' });
  assert.equal(takeNotifySocket(env), undefined);
  assert.equal(takeNotifySocket({ NOTIFY_SOCKET: '' }), undefined);
});

test('STATUS text is one line, without secrets, bounded', () => {
  assert.equal(statusText('a\nb\r\n\tc'), 'a b c');
  assert.equal(
    statusText('pushing to rtmp://x/live?key=rk_abc'),
    'pushing to rtmp://x/live?key=***',
  );
  const long = statusText('x'.repeat(1000));
  assert.equal(long.length, 300);
  assert.ok(long.endsWith('…'));
});
