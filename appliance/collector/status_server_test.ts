import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { createMemoryLogger } from '../../core/log.ts';
import type { CollectorStatus } from './status.ts';
import { buildBundle, bundleStatusPage, statusPageHtml } from './status_page/bundle.ts';
import { createStatusApp, startStatusServer, type StatusAppDeps } from './status_server.ts';

function sampleStatus(overrides: Partial<CollectorStatus> = {}): CollectorStatus {
  return {
    nodeId: 'col-hall-1',
    room: 'main-hall',
    state: 'live',
    onAir: true,
    worker: { state: 'running', pid: 4242, restarts: 0, lastError: null, lastMessageAt: null },
    input: { present: true, format: '1280x720 29.97p' },
    audio: {
      levels: [{ rmsDb: -23.5, peakDb: -9 }, { rmsDb: -25, peakDb: -11.2 }],
      warnings: { silence: false, clipping: false, silentSeconds: 0 },
    },
    uplink: {
      state: 'live',
      bitrateKbps: 3200,
      reconnects: 1,
      lastFailureAt: '2025-05-01T09:58:00.000Z',
      lastFailure: 'the encoder closed the connection',
      encoderNodeId: 'enc-1',
      target: 'enc-1.example.net:1935',
    },
    recording: {
      active: true,
      dir: '/var/lib/roomcast/recordings',
      currentFile: 'main-hall/2025-05-01T09-00-00.mkv',
      startedAt: '2025-05-01T09:00:00.000Z',
      seconds: 3600,
      diskFreeMb: 120_000,
      lowDisk: false,
      rotatedFiles: 0,
    },
    preview: { updatedAt: null },
    at: '2025-05-01T10:00:00.000Z',
    ...overrides,
  };
}

/** A fake status source made of functions; `emit` plays the daemon calling listeners. */
function fakeSource() {
  const listeners = new Set<(s: CollectorStatus) => void>();
  const state = {
    current: sampleStatus(),
    jpeg: null as Uint8Array | null,
    subscribes: 0,
  };
  const log = createMemoryLogger('collector-status');
  const deps: StatusAppDeps = {
    status: () => state.current,
    preview: () => state.jpeg,
    script: () => Promise.resolve('console.log("status page");'),
    subscribe(listener) {
      state.subscribes++;
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    log,
  };
  const emit = (s: CollectorStatus) => {
    state.current = s;
    for (const listener of listeners) listener(s);
  };
  return { deps, state, listeners, emit, log };
}

interface SseBlock {
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

/**
 * Reads an SSE body block by block; `next` resolves null if nothing came within `ms`. The
 * stream is cancelled when the test ends, also when an assertion failed half-way.
 */
function sseReader(t: TestContext, response: Response) {
  assert.ok(response.body, 'the SSE answer has a body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  t.after(() => reader.cancel().catch(() => {}));
  let buffer = '';
  // A read outlives a timed-out `next`, so its chunk is not lost: the next call awaits it.
  let pending: Promise<ReadableStreamReadResult<string>> | undefined;
  const parse = (block: string): SseBlock => {
    const out: SseBlock = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) out.comment = line.slice(1).trim();
      const match = /^(event|data|retry): ?(.*)$/.exec(line);
      if (match) out[match[1] as 'event' | 'data' | 'retry'] = match[2];
    }
    return out;
  };
  return {
    async next(ms = 2_000): Promise<SseBlock | null> {
      const deadline = Date.now() + ms;
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          return parse(block);
        }
        pending ??= reader.read();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
        });
        const result = await Promise.race([pending, timeout]);
        clearTimeout(timer);
        if (result === 'timeout') return null;
        pending = undefined;
        if (result.done) throw new Error('the event stream ended');
        buffer += result.value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(condition: () => boolean, what: string, ms = 2_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

function assertSecurityHeaders(response: Response, what: string) {
  const csp = response.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'self'/, `${what}: CSP`);
  assert.match(csp, /img-src 'self' data:/, `${what}: CSP img-src`);
  assert.doesNotMatch(csp, /https?:|\*/, `${what}: CSP names no other origin`);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(response.headers.get('referrer-policy'), 'no-referrer', what);
}

describe('collector status app', () => {
  test('GET / is the HTML shell with the room name, escaped, and the module script', async () => {
    const fake = fakeSource();
    fake.state.current = sampleStatus({ room: 'hall <b>&"A"</b>' });
    const app = createStatusApp(fake.deps);
    const response = await app.request('/');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html; charset=utf-8$/i);
    const html = await response.text();
    assert.match(html, /<title>hall &#60;b&#62;&#38;&#34;A&#34;&#60;\/b&#62; · roomcast/);
    assert.ok(!html.includes('<b>'), 'the room name is not markup');
    assert.match(html, /<script type="module" src="\/status.js"><\/script>/);
    assert.match(html, /<style>[^<]*\.tally/, 'the CSS is inline');
    assert.doesNotMatch(html, /https?:\/\//, 'nothing is loaded from elsewhere');
    assertSecurityHeaders(response, 'GET /');
  });

  test('GET /status.js serves the script as JavaScript, revalidated every time', async () => {
    const app = createStatusApp(fakeSource().deps);
    const response = await app.request('/status.js');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/javascript; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.equal(await response.text(), 'console.log("status page");');
  });

  test('GET /api/status is the snapshot as JSON; GET /healthz says ok', async () => {
    const fake = fakeSource();
    const app = createStatusApp(fake.deps);
    const response = await app.request('/api/status?pretty=1');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await response.json(), fake.state.current);
    const health = await app.request('/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { ok: true });
    assertSecurityHeaders(health, 'GET /healthz');
  });

  test('GET /preview.jpg is a 404 before the first frame, then the bytes, never cached', async () => {
    const fake = fakeSource();
    const app = createStatusApp(fake.deps);
    const missing = await app.request('/preview.jpg?t=1');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await missing.json(), {
      error: { code: 'not_found', message: 'no preview frame yet' },
    });

    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    fake.state.jpeg = jpeg;
    const found = await app.request('/preview.jpg?t=2');
    assert.equal(found.status, 200);
    assert.equal(found.headers.get('content-type'), 'image/jpeg');
    assert.equal(found.headers.get('cache-control'), 'no-store');
    assert.deepEqual(new Uint8Array(await found.arrayBuffer()), jpeg);
    assertSecurityHeaders(found, 'GET /preview.jpg');
  });

  test('GET /api/events sends the current status at once as an `event: status`', async (t) => {
    const fake = fakeSource();
    const app = createStatusApp(fake.deps);
    const response = await app.request('/api/events');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assertSecurityHeaders(response, 'GET /api/events');
    const events = sseReader(t, response);
    const first = await events.next();
    assert.equal(first?.event, 'status');
    assert.deepEqual(JSON.parse(first?.data ?? 'null'), fake.state.current);
    assert.equal(first?.retry, '2000');

    const later = sampleStatus({ onAir: false, state: 'reconnecting' });
    await sleep(250); // past the throttle: the next status goes out as it comes
    fake.emit(later);
    const second = await events.next();
    assert.equal(second?.event, 'status');
    assert.deepEqual(JSON.parse(second?.data ?? 'null'), later);
    await events.cancel();
  });

  test('status events are throttled to one per 200 ms, and a burst collapses to its newest', async (t) => {
    const fake = fakeSource();
    const app = createStatusApp(fake.deps);
    const events = sseReader(t, await app.request('/api/events'));
    assert.equal((await events.next())?.event, 'status');
    // Measured here, a few ms after the server sent it: the bound below has some slack.
    const firstAt = Date.now();

    // The daemon calls listeners much faster than the page may be sent updates.
    for (let i = 1; i <= 20; i++) {
      fake.emit(sampleStatus({ at: `2025-05-01T10:00:${String(i).padStart(2, '0')}.000Z` }));
    }
    const second = await events.next();
    const secondAt = Date.now();
    assert.equal(JSON.parse(second?.data ?? 'null').at, '2025-05-01T10:00:20.000Z');
    assert.ok(secondAt - firstAt >= 180, `second event ${secondAt - firstAt} ms after the first`);

    // Two statuses within the next interval: only the newer one is sent, again 200 ms on.
    fake.emit(sampleStatus({ state: 'reconnecting' }));
    await sleep(20);
    fake.emit(sampleStatus({ state: 'offline' }));
    const third = await events.next();
    const thirdAt = Date.now();
    assert.equal(JSON.parse(third?.data ?? 'null').state, 'offline');
    assert.ok(thirdAt - secondAt >= 180, `third event ${thirdAt - secondAt} ms after the second`);
    assert.equal(await events.next(300), null, 'each burst gave exactly one event');
    await events.cancel();
  });

  test('an idle stream gets keep-alive comments', async (t) => {
    const fake = fakeSource();
    const app = createStatusApp(fake.deps, { keepAliveMs: 50 });
    const events = sseReader(t, await app.request('/api/events'));
    assert.equal((await events.next())?.event, 'status');
    const idle = await events.next();
    assert.equal(idle?.comment, 'keep-alive');
    assert.equal(idle?.event, undefined);
    fake.emit(sampleStatus({ onAir: false }));
    assert.equal((await events.next())?.event, 'status', 'statuses still flow after it');
    await events.cancel();
  });

  test('a client that goes is unsubscribed: aborted request or cancelled body', async (t) => {
    const fake = fakeSource();
    const app = createStatusApp(fake.deps);

    const controller = new AbortController();
    const aborted = sseReader(t, await app.request('/api/events', { signal: controller.signal }));
    await aborted.next();
    assert.equal(fake.listeners.size, 1);
    controller.abort();
    await waitUntil(() => fake.listeners.size === 0, 'the aborted client is unsubscribed');

    const cancelled = sseReader(t, await app.request('/api/events'));
    await cancelled.next();
    fake.emit(sampleStatus()); // one status held back by the throttle while it goes
    assert.equal(fake.listeners.size, 1);
    await cancelled.cancel();
    await waitUntil(() => fake.listeners.size === 0, 'the cancelled client is unsubscribed');
    assert.equal(fake.state.subscribes, 2);
  });

  test('HEAD /api/events answers headers without subscribing', async () => {
    const fake = fakeSource();
    const app = createStatusApp(fake.deps);
    const response = await app.request('/api/events', { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    assert.equal(await response.text(), '');
    assert.equal(fake.state.subscribes, 0);
  });

  test('unknown paths are a JSON 404, other methods a JSON 405 with Allow', async () => {
    const app = createStatusApp(fakeSource().deps);
    const missing = await app.request('/nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), {
      error: { code: 'not_found', message: 'no such page: /nope' },
    });
    assertSecurityHeaders(missing, '404');

    for (
      const path of ['/', '/status.js', '/api/status', '/api/events', '/preview.jpg', '/healthz']
    ) {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const response = await app.request(path, { method });
        assert.equal(response.status, 405, `${method} ${path}`);
        assert.equal(response.headers.get('allow'), 'GET, HEAD');
        assert.deepEqual(await response.json(), {
          error: {
            code: 'method_not_allowed',
            message: `${method} is not allowed on ${path}; use GET`,
          },
        });
        assertSecurityHeaders(response, `${method} ${path}`);
      }
    }
  });

  test('odd requests never produce a 500', async () => {
    const fake = fakeSource();
    fake.state.jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
    const app = createStatusApp(fake.deps);
    const odd: [string, string][] = [
      ['GET', '/?a=1&a=2&%zz=%%'],
      ['GET', '/api/status?' + 'x'.repeat(20_000)],
      ['GET', '/' + 'a/'.repeat(5_000)],
      ['GET', '/%E0%A4%A'],
      ['GET', '/..%2f..%2fetc/passwd'],
      ['GET', '//api//status'],
      ['GET', '/api/status/'],
      ['GET', '/preview.jpg/../healthz'],
      ['GET', '/%00'],
      ['HEAD', '/'],
      ['HEAD', '/status.js'],
      ['HEAD', '/api/status'],
      ['HEAD', '/preview.jpg'],
      ['HEAD', '/nope'],
      ['PROPFIND', '/'],
      ['MKCOL', '/healthz'],
      ['FOO', '/nope'],
    ];
    for (const [method, path] of odd) {
      const response = await app.request(`http://collector.local${path}`, { method });
      assert.ok(
        response.status < 500,
        `${method} ${path.slice(0, 40)} answered ${response.status}`,
      );
      assertSecurityHeaders(response, `${method} ${path.slice(0, 40)}`);
      const body = await response.text();
      if (response.status >= 400) {
        assert.ok(body.length < 500, `${method} ${path.slice(0, 40)}: a short error body`);
      }
    }
    assert.equal(fake.log.lines.length, 0, 'nothing was logged as a bug');
    assert.equal(fake.state.subscribes, 0);
  });

  test('a real bug is a logged JSON 500 that leaks nothing', async () => {
    const fake = fakeSource();
    fake.deps.status = () => {
      throw new Error('status snapshot is broken at /srv/secret/path');
    };
    const app = createStatusApp(fake.deps);
    const response = await app.request('/api/status');
    assert.equal(response.status, 500);
    const body = await response.text();
    assert.deepEqual(JSON.parse(body), {
      error: { code: 'internal', message: 'internal error; it has been logged' },
    });
    assert.ok(!body.includes('/srv/secret'));
    assertSecurityHeaders(response, '500');
    assert.ok(fake.log.lines.some((line) => line.includes('status snapshot is broken')));
  });
});

describe('startStatusServer', () => {
  test('serves the app on loopback and closes even with an event stream open', async (t) => {
    const fake = fakeSource();
    const server = await startStatusServer({
      host: '127.0.0.1',
      port: 0,
      app: createStatusApp(fake.deps),
    });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${server.url}/healthz`);
      assert.deepEqual(await health.json(), { ok: true });
      const events = sseReader(t, await fetch(`${server.url}/api/events`));
      assert.equal((await events.next())?.event, 'status');
      assert.equal(fake.listeners.size, 1);
    } finally {
      await server.close();
    }
    await waitUntil(() => fake.listeners.size === 0, 'the dropped client is unsubscribed');
  });

  test('rejects naming host:port when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      await assert.rejects(
        startStatusServer({ host: '127.0.0.1', port, app: createStatusApp(fakeSource().deps) }),
        new RegExp(`127\\.0\\.0\\.1:${port}: the port is already in use`),
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('status page bundle', () => {
  test('builds main.tsx once per process into a minified ES module with Preact inside', async () => {
    const first = await bundleStatusPage();
    const second = await bundleStatusPage();
    assert.equal(first, second);
    assert.ok(first.length > 5_000, 'Preact and the page are in it');
    assert.doesNotMatch(first, /^import\s|\bfrom\s*["']preact/m, 'no bare imports left');
    assert.match(first, /\/api\/events/);
    assert.match(first, /preview\.jpg/);
  });

  test('a build failure is an Error naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomcast-bundle-'));
    try {
      const entry = join(dir, 'broken.tsx');
      await writeFile(entry, 'export const x = <div>;\n');
      await assert.rejects(buildBundle(entry), (error: Error) => {
        assert.ok(error.message.includes(entry), error.message);
        assert.match(error.message, /failed/);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the shell escapes every HTML special in the room name', () => {
    assert.match(statusPageHtml(`<'&">`), /<title>&#60;&#39;&#38;&#34;&#62; · /);
  });
});
