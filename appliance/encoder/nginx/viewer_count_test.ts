// The viewer log: its line format (as nginx_conf.ts's `roomcast_hls` writes it), counting
// distinct sessions per room in a window, and following the file through its absence,
// truncation and rotation.
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createViewerCounter, parseAccessLine, tailFile } from './viewer_count.ts';

const T = 1_795_000_000_000; // ms
const line = (ms: number, status: number, room: string, session: string, bytes = 100) =>
  `v1 ${(ms / 1000).toFixed(3)} ${status} ${bytes} ${room} ${session}`;

test('parseAccessLine reads the fields; nginx writes - for empty ones', () => {
  assert.deepEqual(parseAccessLine('v1 1795000000.123 200 5120 main-hall viewer-session-1'), {
    timeMs: 1_795_000_000_123,
    status: 200,
    bytes: 5120,
    room: 'main-hall',
    session: 'viewer-session-1',
  });
  assert.deepEqual(parseAccessLine('v1 1795000000.000 404 0 - -\n'), {
    timeMs: 1_795_000_000_000,
    status: 404,
    bytes: 0,
    room: '',
    session: '',
  });
  // The session is last and may hold anything a client put in `s`, spaces included.
  assert.equal(
    parseAccessLine('v1 1795000000.000 403 0 main-hall a 200 9 b')?.session,
    'a 200 9 b',
  );
  for (
    const bad of [
      '',
      'v2 1795000000.000 200 1 r s',
      '127.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1',
      'v1 x 200 1 r s',
      'v1 1795000000.000 2000 1 r s',
      'v1 1795000000.000 200 1 r',
    ]
  ) {
    assert.equal(parseAccessLine(bad), null, bad);
  }
});

test('viewers: distinct sessions with a 2xx/3xx in the window, per room', () => {
  const counter = createViewerCounter({ windowMs: 30_000 });
  counter.ingest(line(T, 200, 'main-hall', 'session-aaaa'));
  counter.ingest(line(T + 1000, 200, 'main-hall', 'session-aaaa'));
  counter.ingest(line(T + 2000, 206, 'main-hall', 'session-bbbb'));
  counter.ingest(line(T + 3000, 304, 'main-hall', 'session-cccc'));
  counter.ingest(line(T + 3000, 200, 'side-room', 'session-aaaa'));
  // Refused and failed requests, and requests without a room or a session, are nobody.
  counter.ingest(line(T + 3000, 403, 'main-hall', 'session-dddd'));
  counter.ingest(line(T + 3000, 404, 'main-hall', 'session-eeee'));
  counter.ingest(line(T + 3000, 500, 'main-hall', 'session-ffff'));
  counter.ingest(line(T + 3000, 200, '-', 'session-gggg'));
  counter.ingest(line(T + 3000, 200, 'main-hall', '-'));
  counter.ingest(line(T + 3000, 200, 'main-hall', 'bad session with spaces'));
  counter.ingest('garbage');

  assert.equal(counter.viewers('main-hall', T + 5000), 3);
  assert.equal(counter.viewers('side-room', T + 5000), 1);
  assert.equal(counter.viewers('nowhere', T + 5000), 0);
  assert.deepEqual(counter.counts(T + 5000), new Map([['main-hall', 3], ['side-room', 1]]));
  // session-aaaa's last main-hall request (T+1s) falls out first.
  assert.equal(counter.viewers('main-hall', T + 31_500), 2);
  assert.equal(counter.viewers('main-hall', T + 33_000), 0);
  assert.deepEqual(counter.counts(T + 60_000), new Map());
});

test('viewers: old sessions are forgotten as newer lines arrive', () => {
  const counter = createViewerCounter({ windowMs: 1000 });
  for (let i = 0; i < 1000; i++) counter.ingest(line(T + i * 10, 200, 'r', `session-${i}xx`));
  assert.equal(counter.viewers('r', T + 9990), 100);
  counter.ingest(line(T + 20_000, 200, 'r', 'session-last'));
  assert.equal(counter.viewers('r', T + 20_000), 1);
  // Out-of-order lines (two workers, or a late flush) still count.
  counter.ingest(line(T + 19_500, 200, 'r', 'session-late'));
  assert.equal(counter.viewers('r', T + 20_000), 2);
});

test('tailFile: waits for the file, then follows appends, truncation and rotation', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-tail-'));
  const path = join(dir, 'hls-access.log');
  const seen: string[] = [];
  const tail = tailFile(path, (lines) => seen.push(...lines), { intervalMs: 20 });
  try {
    await tail.poll();
    assert.equal(seen.length, 0);

    await writeFile(path, 'a1\na2\n');
    await tail.poll();
    assert.deepEqual(seen, ['a1', 'a2'], 'a file that appears later is read from its start');

    await appendFile(path, 'a3\npart');
    await tail.poll();
    assert.deepEqual(seen, ['a1', 'a2', 'a3'], 'an unfinished line waits');
    await appendFile(path, 'ial\n');
    await tail.poll();
    assert.deepEqual(seen.slice(3), ['partial']);

    await truncate(path, 0);
    await appendFile(path, 'b1\n');
    await tail.poll();
    assert.deepEqual(seen.slice(4), ['b1'], 'truncated: read again from the start');

    // logrotate: the old file is renamed (nginx may still write to it), a new one appears.
    await rename(path, `${path}.1`);
    await appendFile(`${path}.1`, 'b2\n');
    await writeFile(path, 'c1\n');
    await tail.poll();
    assert.deepEqual(seen.slice(5), ['b2', 'c1'], 'the old file is finished, then the new one');

    await rm(path);
    await tail.poll();
    await writeFile(path, 'd1\n');
    await tail.poll();
    assert.deepEqual(seen.slice(7), ['d1'], 'deleted and created again');

    // The poller also runs by itself.
    await appendFile(path, 'd2\n');
    const deadline = Date.now() + 2000;
    while (!seen.includes('d2') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(seen.includes('d2'));
  } finally {
    tail.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('tailFile: an existing file is followed from its end unless fromStart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-tail-'));
  const path = join(dir, 'hls-access.log');
  await writeFile(path, 'old1\nold2\n');
  const fromEnd: string[] = [];
  const fromStart: string[] = [];
  const a = tailFile(path, (lines) => fromEnd.push(...lines), { intervalMs: 10_000 });
  const b = tailFile(path, (lines) => fromStart.push(...lines), {
    intervalMs: 10_000,
    fromStart: true,
  });
  try {
    await a.poll();
    await b.poll();
    await appendFile(path, 'new1\n');
    await a.poll();
    await b.poll();
    assert.deepEqual(fromEnd, ['new1']);
    assert.deepEqual(fromStart, ['old1', 'old2', 'new1']);
    a.stop();
    await appendFile(path, 'after-stop\n');
    await a.poll();
    assert.deepEqual(fromEnd, ['new1'], 'nothing is delivered after stop');
  } finally {
    a.stop();
    b.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
