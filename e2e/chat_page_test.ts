// The viewers' chat in a real browser against the demo (edge, encoder, collector): two
// watch pages talk to each other; a page whose connection is cut (a TCP proxy between it and
// the edge resets every connection) resumes without losing or repeating a message; a page
// whose WebSockets are refused falls back to the event stream and posts; hundreds of XSS
// payloads are shown as the text they are, with nothing run, loaded or stretched; moderators
// delete, settings change live, refusals are shown; the embed page shows chat only with
// ?chat=1. DOCS_SCREENSHOT_DIR=docs writes screenshots of the chat for the docs.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chatGuestCookie, connectChat, type TestChatClient } from '../core/testing/chat_client.ts';
import { launchChromium } from '../core/testing/chromium.ts';
import { type FaultProxy, startFaultProxy } from '../core/testing/fault_proxy.ts';
import type { RunningProcess } from '../core/testing/process.ts';
import { chatOf, nodeSays, type ShownMessage, textsInOrder } from './support/chat_page.ts';
import { demoRoomLive, type DemoSetup, prepareDemo, startDemo, waitFor } from './support/demo.ts';
import { oneMediaFileAtATime } from './support/media_lock.ts';
import { sleep } from './support/stack.ts';
import { TOO_LONG_PAYLOADS, XSS_PAYLOADS, XSS_PROBE_HOST } from './support/xss_payloads.ts';

const ROOM = 'demo';
const CHAT_PATH = `/api/v1/chat/rooms/${ROOM}/ws`;
const DESKTOP = { width: 1280, height: 800 };

let setup: DemoSetup;
let demo: RunningProcess;
let browser: Browser;
let proxy: FaultProxy;
let node: TestChatClient;
let adminToken: string;
const contexts: BrowserContext[] = [];

oneMediaFileAtATime();

before(async () => {
  setup = await prepareDemo({
    ROOMCAST_EDGE_CHAT_GUESTS: 'true',
    // Every page and the Node client come from 127.0.0.1, and the corpus is sent quickly.
    ROOMCAST_EDGE_CHAT_PER_USER_MESSAGES: '10000',
    ROOMCAST_EDGE_CHAT_PER_ADDRESS_MESSAGES: '10000',
    // Guests may post links, so that payloads with URLs reach the page instead of a refusal.
    ROOMCAST_EDGE_CHAT_LINKS: 'allow',
  });
  demo = await startDemo(setup);
  await demoRoomLive(setup, demo);
  browser = await launchChromium();
  proxy = await startFaultProxy({
    targetHost: '127.0.0.1',
    targetPort: Number(new URL(setup.edgeUrl).port),
  });
  node = connectChat(setup.edgeUrl, CHAT_PATH, { cookie: await chatGuestCookie(setup.edgeUrl) });
  await node.welcome;
  adminToken = (await readFile(join(setup.dir, 'data/edge/admin-token'), 'utf8')).trim();
});

after(async () => {
  node?.close();
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await proxy?.close();
  await demo?.stop();
  await rm(setup.dir, { recursive: true, force: true });
});

async function newPage(
  options: { viewport?: { width: number; height: number }; bypassCSP?: boolean } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP, ...options });
  contexts.push(context);
  const page = await context.newPage();
  page.on('dialog', (dialog) => {
    void dialog.dismiss();
    assert.fail(`the page opened a ${dialog.type()} dialog: ${dialog.message()}`);
  });
  return page;
}

/** As the admin (operator API with the demo's admin token). */
async function asAdmin(method: string, path: string, body?: unknown) {
  const response = await fetch(`${setup.edgeUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.text()}`);
  return response;
}

const settings = (patch: Record<string, unknown>) =>
  asAdmin('PATCH', `/chat/rooms/${ROOM}/settings`, patch);

async function screenshot(page: Page, name: string) {
  const dir = process.env.DOCS_SCREENSHOT_DIR;
  if (dir) await page.screenshot({ path: join(dir, name) });
}

/** Unique texts for one test, so that what earlier tests posted never matches. */
const tag = (what: string) => `${what}-${crypto.randomUUID().slice(0, 8)}`;

test('two watch pages: join as guests, talk, own messages marked, times shown', async () => {
  const [alice, bob] = [await newPage(), await newPage()];
  for (const page of [alice, bob]) await page.goto(`${setup.edgeUrl}/watch/${ROOM}`);
  const [a, b] = [chatOf(alice), chatOf(bob)];
  await a.live();
  await b.live();
  // The page's Content-Security-Policy lets the socket through: no fallback needed.
  assert.equal(await a.attribute('transport'), 'websocket');
  await a.join();
  await b.join();

  const hello = tag('hello from alice');
  await a.counter.waitFor();
  await a.input.fill(hello);
  assert.match(await a.counter.innerText(), new RegExp(`^${[...hello].length} / 500`));
  await a.input.press('Enter');
  const reply = tag('hi alice, bob here');
  await bob.locator('.chat-text', { hasText: hello }).waitFor();
  await b.say(reply);
  await alice.locator('.chat-text', { hasText: reply }).waitFor();
  await bob.locator('.chat-text', { hasText: reply }).waitFor();

  const find = (shown: ShownMessage[], text: string) => {
    const found = shown.filter((m) => m.text === text);
    assert.equal(found.length, 1, `${text} shown ${found.length} times`);
    return found[0]!;
  };
  const onAlice = await a.shown();
  const onBob = await b.shown();
  assert.equal(find(onAlice, hello).own, true);
  assert.equal(find(onAlice, reply).own, false);
  assert.equal(find(onBob, hello).own, false);
  assert.equal(find(onBob, reply).own, true);
  assert.equal(await alice.locator('.chat-own .chat-you').first().innerText(), '(you)');
  for (const message of [find(onAlice, hello), find(onBob, reply)]) {
    assert.match(message.time, /^\d\d:\d\d$/);
    const at = Date.parse(message.dateTime);
    assert.ok(Math.abs(Date.now() - at) < 120_000, `${message.dateTime} is now`);
    // HH:MM of the browser's clock (same machine, same zone as this test).
    const local = new Date(at);
    const hhmm = `${String(local.getHours()).padStart(2, '0')}:${
      String(local.getMinutes()).padStart(2, '0')
    }`;
    assert.equal(message.time, hhmm);
  }

  await screenshot(alice, 'watch-page-chat.png');

  // Someone joining later gets both in the history, once each.
  const carol = await newPage();
  await carol.goto(`${setup.edgeUrl}/watch/${ROOM}`);
  const c = chatOf(carol);
  await c.live();
  const onCarol = await c.shown();
  textsInOrder(onCarol);
  assert.equal(find(onCarol, hello).own, false);
  find(onCarol, reply);
  await carol.context().close();
});

test('a cut connection resumes after the last message seen: none lost, none twice', async () => {
  // Through the fault proxy: the page, its API calls and its socket; the Node client
  // talks to the edge directly and keeps posting while the page is cut off.
  const page = await newPage();
  await page.goto(`http://127.0.0.1:${proxy.port}/watch/${ROOM}`);
  const chat = chatOf(page);
  await chat.live();
  const run = tag('resume');
  const sent: string[] = [];
  const say = async (n: number) => {
    const text = `${run} #${n}`;
    sent.push(text);
    return await nodeSays(node, text);
  };
  for (let n = 1; n <= 3; n++) await say(n);
  await chat.showsSeq((await say(4)).seq);

  proxy.reset(3_000);
  await page.locator('[data-chat][data-status="reconnecting"]').waitFor({ timeout: 5_000 });
  for (let n = 5; n <= 12; n++) await say(n);
  await chat.live();
  for (let n = 13; n <= 15; n++) await say(n);
  await chat.showsSeq(node.lastSeq());

  // Cuts in quick succession while messages keep coming.
  const sending = (async () => {
    for (let n = 16; n <= 45; n++) {
      await say(n);
      await sleep(60);
    }
  })();
  for (const downMs of [300, 800, 0, 500]) {
    await sleep(350);
    proxy.reset(downMs);
  }
  await sending;
  await chat.showsSeq(node.lastSeq(), 30_000);
  await chat.live();
  const ofRun = (shown: ShownMessage[]) => shown.filter((m) => m.text.startsWith(run));
  assert.deepEqual(textsInOrder(ofRun(await chat.shown())), sent);
  assert.equal(
    await chat.attribute('transport'),
    'websocket',
    'a network cut is no reason to fall back',
  );
  assert.ok(proxy.events.filter((e) => e.kind === 'reset').length >= 5);

  // A reload joins fresh: the history has each of them once, in order.
  await page.reload();
  await chat.live();
  assert.deepEqual(textsInOrder(ofRun(await chat.shown())), sent);
});

test('where WebSockets are refused: the event stream and posts, same messages', async () => {
  const page = await newPage();
  let refused = 0;
  // Something between browser and edge that drops every WebSocket before it says anything.
  await page.context().routeWebSocket(/\/api\/v1\/chat\/rooms\/[^/]+\/ws/, (ws) => {
    refused++;
    void ws.close();
  });
  await page.goto(`${setup.edgeUrl}/watch/${ROOM}`);
  const chat = chatOf(page);
  await chat.live();
  assert.equal(await chat.attribute('transport'), 'sse');
  assert.equal(refused, 2, 'two refused sockets, then the stream');
  await chat.join();
  const mine = tag('posted over http');
  await chat.say(mine);
  const fromNode = await nodeSays(node, tag('to the stream'));
  await chat.showsSeq(fromNode.seq);
  const shown = await chat.shown();
  textsInOrder(shown);
  assert.equal(shown.filter((m) => m.text === mine && m.own).length, 1);
  assert.equal(shown.filter((m) => m.text === fromNode.text && !m.own).length, 1);

  // Refusals of a post show under the input too.
  await chat.input.fill(TOO_LONG_PAYLOADS[0]!);
  await chat.input.press('Enter');
  await chat.notice.filter({ hasText: 'at most 500' }).waitFor();
  assert.equal(await chat.input.inputValue(), TOO_LONG_PAYLOADS[0], 'the text stays to shorten');
});

test(`${XSS_PAYLOADS.length} XSS payloads: shown as text, nothing runs, loads or overflows`, async () => {
  // The page's CSP would block inline script anyway; without it, this proves the rendering.
  const page = await newPage({ bypassCSP: true });
  const probes: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes(XSS_PROBE_HOST)) probes.push(request.url());
  });
  await page.addInitScript(() => {
    const w = window as unknown as Record<string, unknown> & { __xss: unknown[] };
    w.__xss = [];
    for (const name of ['alert', 'confirm', 'prompt', 'print']) {
      w[name] = (...args: unknown[]) => void w.__xss.push([name, ...args]);
    }
  });
  await page.goto(`${setup.edgeUrl}/watch/${ROOM}`);
  const chat = chatOf(page);
  await chat.live();
  await page.waitForFunction(() => document.title !== 'roomcast');
  const title = await page.title();

  const check = async (expected: Map<number, string>) => {
    // What ran or loaded first: it is the worst finding.
    assert.deepEqual(
      await page.evaluate(() => (window as unknown as { __xss: unknown[] }).__xss),
      [],
    );
    assert.equal(await page.title(), title, 'nothing set the title');
    assert.deepEqual(probes, [], 'nothing was loaded from the probe host');
    const tags = await chat.log.evaluate((log) =>
      [...new Set([...log.querySelectorAll('*')].map((element) => element.tagName))].sort()
    );
    const allowed = ['BDI', 'BUTTON', 'LI', 'OL', 'P', 'SPAN', 'TIME'];
    assert.deepEqual(tags.filter((name) => !allowed.includes(name)), [], `elements: ${tags}`);
    const shown = new Map((await chat.shown()).map((m) => [m.seq, m.text]));
    for (const [seq, text] of expected) {
      assert.equal(shown.get(seq), text, `message ${seq} is shown as the edge stored it`);
    }
    // The layout holds: nothing wider than the column, the player still beside it.
    // (No named functions inside: tsx would wrap them in a helper the page does not have.)
    const widths = await page.evaluate(() =>
      ['.chat', '.chat-log', 'html'].map((selector) => {
        const element = document.querySelector(selector)!;
        return [selector, { scroll: element.scrollWidth, client: element.clientWidth }] as const;
      })
    );
    for (const [name, { scroll, client }] of widths) {
      assert.ok(scroll <= client, `${name}: scrollWidth ${scroll} > clientWidth ${client}`);
    }
    const player = (await page.locator('[data-player]').boundingBox())!;
    const column = (await chat.root.boundingBox())!;
    assert.ok(player.width > 600 && player.height > 300, `player ${JSON.stringify(player)}`);
    assert.ok(column.x >= player.x + player.width, 'the chat column is beside the player');
    assert.ok(column.x + column.width <= DESKTOP.width, 'the chat column is inside the window');
    assert.ok(player.y + player.height <= DESKTOP.height, 'the player is in view');
  };
  const firstSeq = node.lastSeq();
  const stored = new Map<number, string>();
  for (const payload of XSS_PAYLOADS) {
    const message = await nodeSays(node, payload);
    stored.set(message.seq, message.text);
  }
  await chat.showsSeq(node.lastSeq());
  // Handlers fire on load errors, animations, focus, hovering: give them a moment.
  await chat.log.hover();
  await sleep(1_500);
  await check(stored);

  // A few through the page's own input, as someone would paste them.
  await chat.join();
  for (const payload of XSS_PAYLOADS.filter((_, i) => i % 40 === 0)) {
    await chat.say(payload);
  }
  await waitFor('the page to show its last one', demo, async () => {
    const cursor = Number(await chat.attribute('cursor'));
    return cursor >= node.lastSeq();
  });
  // The page's own posts, as the edge stored them (the Node client saw them come by).
  for (const entry of node.entries) {
    if (entry.kind === 'message' && entry.seq > firstSeq) stored.set(entry.seq, entry.text);
  }
  assert.equal(stored.size, XSS_PAYLOADS.length + Math.ceil(XSS_PAYLOADS.length / 40));
  await sleep(500);
  await check(stored);

  // Again from the history a join brings: the newest 200.
  await page.reload();
  await chat.live();
  assert.equal((await chat.shown()).length, 200);
  await sleep(1_000);
  await screenshot(page, 'chat-xss-payloads.png');
  await check(new Map([...stored].sort(([a], [b]) => a - b).slice(-200)));

  // Longer than the limit: refused, for the Node client as for the page, with the reason.
  for (const payload of TOO_LONG_PAYLOADS) {
    const nonce = `long${crypto.randomUUID().slice(0, 8)}`;
    node.send(payload, nonce);
    const reply = await node.reply(nonce);
    assert.equal(reply.type === 'refused' && reply.code, 'too_long', JSON.stringify(reply));
  }
  const tooLong = TOO_LONG_PAYLOADS[1]!;
  await chat.input.fill(tooLong);
  assert.match(await chat.counter.innerText(), new RegExp(`^${[...tooLong].length} / 500`));
  assert.equal(await chat.counter.getAttribute('class'), 'chat-counter chat-counter-over');
  await chat.input.press('Enter');
  await chat.notice.filter({
    hasText: `The message is ${[...tooLong].length} characters; at most 500.`,
  })
    .waitFor();
  await sleep(500);
  assert.deepEqual(
    await page.evaluate(() => (window as unknown as { __xss: unknown[] }).__xss),
    [],
  );
});

test('moderation and settings, live: delete, chat off, members only, slow mode, a ban', async () => {
  const moderator = await newPage();
  const viewer = await newPage();
  await moderator.goto(`${setup.edgeUrl}/watch/${ROOM}`);
  // Chat as the admin: the chat cookie for the account of the token.
  const status = await moderator.evaluate(async (token) =>
    (await fetch('/api/v1/chat/identity', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })).status, adminToken);
  assert.equal(status, 200);
  await moderator.reload();
  await viewer.goto(`${setup.edgeUrl}/watch/${ROOM}`);
  const [mod, view] = [chatOf(moderator), chatOf(viewer)];
  await mod.live();
  await view.live();
  await view.join();

  // Delete: a first click arms, the second deletes, for everyone.
  const doomed = await nodeSays(node, tag('delete me'));
  await mod.showsSeq(doomed.seq);
  await view.showsSeq(doomed.seq);
  assert.equal(await viewer.locator('.chat-delete').count(), 0, 'viewers have no delete');
  const remove = moderator.locator(`li[data-seq="${doomed.seq}"] .chat-delete`);
  await remove.click();
  await moderator.locator(`li[data-seq="${doomed.seq}"] .chat-delete-armed`).waitFor();
  await remove.click();
  for (const page of [moderator, viewer]) {
    await page.locator(`li[data-seq="${doomed.seq}"]`).waitFor({ state: 'detached' });
  }

  // Settings reach the open pages without a reload.
  try {
    await settings({ mode: 'off' });
    await viewer.locator('[data-chat-off]').waitFor();
    assert.equal(await view.input.count(), 0);
    assert.equal(await mod.input.count(), 1, 'moderators may still write');
    await settings({ mode: 'members' });
    await viewer.getByText('Only signed-in viewers can chat here.', { exact: false }).waitFor();
    await settings({ mode: 'open', slowModeSeconds: 30 });
    await view.input.waitFor();
    await viewer.getByText('slow mode: one message every 30 s').waitFor();
    await view.say(tag('first in slow mode'));
    await view.input.fill('second, too soon');
    await view.input.press('Enter');
    await view.notice.filter({
      hasText: /^Slow mode: one message every 30 s\. Try again in \d+ s\.$/,
    })
      .waitFor();
  } finally {
    await settings({ mode: 'open', slowModeSeconds: 0 });
  }

  // A ban: refused when sending, and said instead of the input on the next visit.
  const guestId = await viewer.evaluate(async () =>
    (await (await fetch('/api/v1/chat/identity')).json()).author.id as string
  );
  await asAdmin('POST', `/chat/rooms/${ROOM}/bans`, { subject: guestId, reason: 'e2e' });
  try {
    await view.input.fill('am I still here?');
    await view.input.press('Enter');
    await view.notice.filter({ hasText: 'You are banned from this chat.' }).waitFor();
    await viewer.reload();
    await view.live();
    await viewer.locator('.chat-closed', { hasText: 'You are banned from this chat.' }).waitFor();
  } finally {
    await asAdmin('DELETE', `/chat/rooms/${ROOM}/bans/${encodeURIComponent(guestId)}`);
  }
});

test('signing in: an account chats under its name where guests may not; the crew page is for the crew', async () => {
  const password = 'correct horse battery staple';
  const vera = tag('vera');
  const otto = tag('otto');
  await asAdmin('POST', '/accounts', {
    email: `${vera}@example.test`,
    role: 'viewer',
    name: 'Vera',
    password,
  });
  await asAdmin('POST', '/accounts', {
    email: `${otto}@example.test`,
    role: 'operator',
    name: 'Otto',
    password,
  });
  const signIn = async (scope: Page, who: string, secret: string) => {
    const form = scope.locator('[data-chat-sign-in]');
    await form.getByLabel('Email').fill(`${who}@example.test`);
    await form.getByLabel('Password').fill(secret);
    await form.getByRole('button', { name: 'Sign in' }).click();
  };

  // Members only: no guests, so the chat offers to sign in.
  await settings({ mode: 'members' });
  try {
    const page = await newPage();
    await page.goto(`${setup.edgeUrl}/watch/${ROOM}`);
    const chat = chatOf(page);
    await chat.live();
    await page.getByText('Only signed-in viewers can chat here.', { exact: false }).waitFor();
    await signIn(page, vera, 'not the password');
    await chat.notice.filter({ hasText: 'Email or password is wrong.' }).waitFor();
    assert.equal(await page.locator('[data-chat-sign-in]').getByLabel('Password').inputValue(), '');
    await signIn(page, vera, password);
    await chat.input.waitFor({ timeout: 15_000 });
    const hello = tag('vera says hello');
    await chat.say(hello);
    const mine = (await chat.shown()).find((message) => message.text === hello)!;
    assert.equal(mine.own, true);
    assert.match(mine.author, /^a:/, 'an account, not a guest');
    assert.match(await page.locator(`li[data-seq="${mine.seq}"]`).innerText(), /Vera/);
    // The login's token stayed out of the page: only the HttpOnly cookie knows Vera.
    assert.deepEqual(await page.evaluate(() => [document.cookie, localStorage.length]), ['', 0]);
  } finally {
    await settings({ mode: 'open' });
  }

  // The crew channel of an event: closed to nobody and to viewers, open to an operator.
  const eventId = tag('crew-e2e');
  await asAdmin('POST', '/events', { id: eventId, title: 'Crew test' });
  const identity = await fetch(`${setup.edgeUrl}/api/v1/chat/identity`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const control = connectChat(setup.edgeUrl, `/api/v1/chat/crew/${eventId}/ws`, {
    cookie: identity.headers.get('set-cookie')!.split(';')[0]!,
  });
  try {
    await control.welcome;
    const page = await newPage();
    await page.goto(`${setup.edgeUrl}/crew/${eventId}`);
    await page.locator('[data-crew-access="closed"]').waitFor();
    await signIn(page, vera, password);
    await page.getByText("Signed in as Vera: the crew channel is for the event's crew only")
      .waitFor();
    assert.equal(await page.locator('[data-chat]').count(), 0, 'no crew chat for a viewer');
    await signIn(page, otto, password);
    await page.locator('[data-crew-access="open"]').waitFor();
    const chat = chatOf(page);
    await chat.live();
    const fromRoom = tag('room 2 is ready');
    await chat.say(fromRoom);
    await waitFor('the control room to hear it', demo, () =>
      Promise.resolve(
        control.entries.some((entry) =>
          entry.kind === 'message' && entry.text === fromRoom && entry.author.name === 'Otto'
        ),
      ));
    const reply = await nodeSays(control, tag('thanks, going live'));
    await chat.showsSeq(reply.seq);
    await screenshot(page, 'crew-chat.png');
  } finally {
    control.close();
  }
});

test('the embed page: no chat unless ?chat=1, then beside the player (below when narrow)', async () => {
  const page = await newPage({ viewport: { width: 960, height: 540 } });
  await page.goto(`${setup.edgeUrl}/embed/${ROOM}`);
  await page.locator('[data-player]').waitFor();
  await sleep(1_000);
  assert.equal(await page.locator('[data-chat]').count(), 0);

  const latest = await nodeSays(node, tag('for the embed'));
  await page.goto(`${setup.edgeUrl}/embed/${ROOM}?chat=1`);
  const chat = chatOf(page);
  await chat.live();
  await chat.showsSeq(latest.seq);
  const player = (await page.locator('[data-player]').boundingBox())!;
  const column = (await chat.root.boundingBox())!;
  assert.ok(column.x >= player.x + player.width - 1, 'beside the player');
  assert.ok(player.width > 500, `player ${player.width} px wide`);
  assert.ok(column.y + column.height <= 541, 'the chat fits the frame');
  await screenshot(page, 'embed-chat.png');

  await page.setViewportSize({ width: 420, height: 720 });
  const below = (await chat.root.boundingBox())!;
  const narrowPlayer = (await page.locator('[data-player]').boundingBox())!;
  assert.ok(below.y >= narrowPlayer.y + narrowPlayer.height - 1, 'below the player');
  assert.ok(below.y + below.height <= 721, 'the chat fits the frame');
});
