import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PageFiles, pageRoutes } from './pages.ts';

const encoder = new TextEncoder();
const FILES: Record<string, string> = {
  'index.html': '<!doctype html><title>rooms</title>',
  'watch.html': '<!doctype html><title>watch</title>',
  'embed.html': '<!doctype html><title>embed</title>',
  'crew.html': '<!doctype html><title>crew</title>',
  'assets/rooms-DptTDRiE.js': 'console.log(1)',
};
const fakePages: PageFiles = {
  read: (path) => Promise.resolve(path in FILES ? encoder.encode(FILES[path]!) : null),
};

test('the room list page and its hashed assets: types and caching', async () => {
  const app = pageRoutes(fakePages);
  const page = await app.request('/');
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  assert.equal(await page.text(), FILES['index.html']);
  const script = await app.request('/assets/rooms-DptTDRiE.js');
  assert.equal(script.status, 200);
  assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.match(script.headers.get('cache-control') ?? '', /immutable/);
  assert.equal(script.headers.get('x-content-type-options'), 'nosniff');
});

test('watch and embed pages per room; only the embed page may be framed elsewhere', async () => {
  const app = pageRoutes(fakePages);
  const watch = await app.request('/watch/main-hall');
  assert.equal(watch.status, 200);
  assert.equal(await watch.text(), FILES['watch.html']);
  assert.equal(watch.headers.get('cache-control'), 'no-cache');
  const watchPolicy = watch.headers.get('content-security-policy') ?? '';
  assert.match(watchPolicy, /script-src 'self'/);
  assert.match(watchPolicy, /frame-ancestors 'self'/);
  const embed = await app.request('/embed/main-hall');
  assert.equal(await embed.text(), FILES['embed.html']);
  assert.match(embed.headers.get('content-security-policy') ?? '', /frame-ancestors \*/);
  assert.match((await app.request('/')).headers.get('content-security-policy') ?? '', /'self'/);
  // The crew page of an event: never framed by other sites.
  const crew = await app.request('/crew/devconf-2026');
  assert.equal(await crew.text(), FILES['crew.html']);
  assert.match(crew.headers.get('content-security-policy') ?? '', /frame-ancestors 'self'/);
  for (
    const path of [
      '/watch/Main_Hall',
      '/watch/',
      '/embed/-x',
      '/watch/a/b',
      '/watchers/a',
      '/crew/',
    ]
  ) {
    assert.equal((await app.request(path)).status, 404, path);
  }
  const unbuilt = await pageRoutes({ read: () => Promise.resolve(null) }).request('/watch/a');
  assert.equal(unbuilt.status, 503);
});

test('missing, odd and traversing asset names are a 404; unbuilt pages a clear 503', async () => {
  const app = pageRoutes(fakePages);
  for (const path of ['/assets/nope.js', '/assets/..%2Fsecret.js', '/assets/a.exe', '/assets/']) {
    assert.equal((await app.request(path)).status, 404, path);
  }
  const unbuilt = await pageRoutes({ read: () => Promise.resolve(null) }).request('/');
  assert.equal(unbuilt.status, 503);
  assert.match((await unbuilt.json()).error.message, /not built.*npm run build:web/);
  assert.equal((await pageRoutes(null).request('/')).status, 503);
});
