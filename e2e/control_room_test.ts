// The control room for real: an edge and an encoder (nginx-rtmp, ffmpeg) with two rooms fed
// by two real collectors (GStreamer test pattern; one with its audio muted), the page in
// Chromium signed in as the admin, alerts to a webhook receiver on loopback. A collector is
// stopped: its tile says reconnecting within 5 s and the alert reaches the receiver. The
// muted room raises the silence alarm. A viewer's account gets 403 and the sign-in link.
// The page's screenshot is the README's (DOCS_SCREENSHOT_DIR=docs writes it there).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../core/testing/chromium.ts';
import { freePort } from '../core/testing/net.ts';
import { type RunningProcess, startProcess } from '../core/testing/process.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../core/testing/webhook_receiver.ts';
import { collectorEnv, LIGHT_LADDER } from './support/collector.ts';
import { oneMediaFileAtATime } from './support/media_lock.ts';
import { ROOMCAST, type Stack, startStack } from './support/stack.ts';

const ADMIN = { email: 'admin@example.test', password: 'admin passphrase 1' };
const VIEWER = { email: 'vera@example.test', password: 'vera only watches' };
const HOOK_TOKEN = 'discord-token-SECRET-0123';
const ROOMS = [
  { id: 'hall-a', title: 'Hall A', audio: 'test' },
  { id: 'hall-b', title: 'Hall B', audio: 'silent' },
] as const;

let receiver: WebhookReceiver;
let stack: Stack;
let browser: Browser;
let page: Page;
const collectors = new Map<string, RunningProcess>();

oneMediaFileAtATime();

before(async () => {
  receiver = await startWebhookReceiver();
  stack = await startStack({
    name: 'control-room',
    env: {
      ROOMCAST_BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      ROOMCAST_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      ROOMCAST_EDGE_ALERTS_EVALUATE_SECONDS: '1',
      ROOMCAST_EDGE_ALERTS_SILENCE_SECONDS: '4',
      ROOMCAST_EDGE_ALERTS_UPLINK_LOST_SECONDS: '1',
      ROOMCAST_EDGE_ALERTS_WEBHOOKS: JSON.stringify([
        { name: 'ops', url: `${receiver.url}/json`, format: 'json' },
        { name: 'discord', url: `${receiver.url}/discord/${HOOK_TOKEN}`, format: 'discord' },
      ]),
    },
    diagnostics: () =>
      [...collectors].map(([room, c]) => `--- collector ${room} ---\n${c.output().slice(-2000)}`)
        .join('\n'),
  });
  await stack.apiJson('POST', '/events', { id: 'conf', title: 'Conference' });
  for (const room of ROOMS) {
    const created = await stack.apiJson('POST', '/rooms', {
      id: room.id,
      title: room.title,
      eventId: 'conf',
      ladder: LIGHT_LADDER,
    });
    const { secret } = await stack.apiJson('POST', '/nodes', {
      id: `box-${room.id}`,
      kind: 'collector',
    });
    collectors.set(
      room.id,
      startProcess(process.execPath, [ROOMCAST, 'collector'], {
        cwd: stack.dir,
        env: {
          ...collectorEnv(stack, {
            nodeId: `box-${room.id}`,
            nodeSecret: secret,
            room: room.id,
            statusPort: await freePort(),
            recordingDir: join(stack.dir, `recordings-${room.id}`),
          }),
          ROOMCAST_COLLECTOR_STREAM_KEY: created.streamKey.key,
          ROOMCAST_COLLECTOR_AUDIO_KIND: room.audio,
          ROOMCAST_COLLECTOR_OUTPUT_FPS: '25',
        },
      }),
    );
  }
  await stack.apiJson('POST', '/accounts', { ...VIEWER, role: 'viewer' });
  await stack.waitFor('both rooms on air with a picture of their output', async () => {
    const { rooms } = await stack.apiJson('GET', '/control?event=conf');
    return rooms.every((r: { state: string; encoder: { output: { frameUrl: string } | null } }) =>
      r.state === 'live' && r.encoder?.output?.frameUrl
    );
  }, 90_000);
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
});

after(async () => {
  await browser?.close();
  for (const collector of collectors.values()) await collector.stop(5000);
  await stack?.stop();
  await receiver?.close();
});

async function signIn(target: Page, who: { email: string; password: string }) {
  await target.getByLabel('Email').fill(who.email);
  await target.getByLabel('Password').fill(who.password);
  await target.getByRole('button', { name: 'Sign in' }).click();
}

const tile = (room: string) => page.locator(`[data-room="${room}"]`);

/** The receiver's alert bodies (JSON format) so far. */
const jsonAlerts = () =>
  receiver.received.filter((r) => r.path === '/json').map((r) =>
    r.body as { change: string; alert: { rule: string; room: string | null } }
  );

test('signed out, the page sends the operator to sign in and back; then every room is a live tile', async () => {
  await page.goto(`${stack.edgeUrl}/control/conf`);
  await page.locator('[data-gate="401"]').waitFor();
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.waitForURL('**/login?next=*');
  await signIn(page, ADMIN);
  await page.waitForURL('**/control/conf');
  for (const room of ROOMS) {
    await tile(room.id).locator('[data-tile-state]').filter({ hasText: 'ON AIR' }).waitFor();
  }
  await page.locator('[data-stream=live]').waitFor();
  // Both pictures of each tile load: the venue box's and what viewers get.
  // (They change with every heartbeat, so each counts once it has shown a picture.)
  await page.waitForFunction(
    () => {
      const shown = ((window as { shown?: Set<number> }).shown ??= new Set<number>());
      document.querySelectorAll<HTMLImageElement>('[data-room] img').forEach((img, i) => {
        if (img.complete && img.naturalWidth > 0) shown.add(i);
      });
      return shown.size === 4;
    },
    undefined,
    { timeout: 20_000, polling: 100 },
  );
  assert.match(await tile('hall-a').locator('[data-encoder]').textContent() ?? '', /^encoder-1/);
  assert.match(
    await tile('hall-a').locator('[data-uplink]').textContent() ?? '',
    /^live · \d+ kbit\/s/,
  );
  assert.match(
    await tile('hall-a').locator('[data-latency]').textContent() ?? '',
    /s to the encoder/,
  );
  // The tone moves hall A's meters; hall B's muted feed reads at the floor.
  const rms = async (room: string) =>
    Number(await tile(room).locator('[role=meter]').first().getAttribute('data-rms'));
  assert.ok((await rms('hall-a')) > -50, `hall A meter ${await rms('hall-a')}`);
  assert.ok((await rms('hall-b')) < -90, `hall B meter ${await rms('hall-b')}`);
  await page.locator('[data-node="encoder-1"][data-state="up"]').waitFor();
});

test('a muted feed raises the silence alarm on its tile, in the alert list and at the webhook', async () => {
  await tile('hall-b').locator('[data-alarm=silence]').waitFor({ timeout: 20_000 });
  await page.locator('[data-alert=silence][data-alert-room=hall-b]').waitFor();
  assert.equal(await tile('hall-a').locator('[data-alarm=silence]').count(), 0);
  const hook = await waitForHook('silence', 'hall-b');
  assert.equal(hook.change, 'fired');

  const shot = await page.screenshot({ fullPage: true });
  assert.deepEqual([...shot.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
  await writeFile(join(stack.dir, 'control-room.png'), shot);
  // DOCS_SCREENSHOT_DIR=docs refreshes the README's picture (as the other page tests do).
  if (process.env.DOCS_SCREENSHOT_DIR) {
    await writeFile(join(process.env.DOCS_SCREENSHOT_DIR, 'control-room.png'), shot);
  }
});

test('a stopped collector: its tile says reconnecting within 5 s and the alert reaches the webhook', async () => {
  const stoppedAt = Date.now();
  await collectors.get('hall-a')!.stop(5000);
  await tile('hall-a').locator('[data-tile-state]').filter({ hasText: 'RECONNECTING' }).waitFor({
    timeout: 5000 - (Date.now() - stoppedAt),
  });
  const seconds = (Date.now() - stoppedAt) / 1000;
  assert.ok(seconds <= 5, `reconnecting after ${seconds} s`);
  await waitForHook('uplinkLost', 'hall-a');
  // Each webhook is its own delivery: the Discord one may land a moment after the JSON one.
  await stack.waitFor(
    'the uplinkLost alert at the Discord-format receiver too',
    () =>
      Promise.resolve(
        receiver.received.find((r) =>
          r.path === `/discord/${HOOK_TOKEN}` &&
          String((r.body as { content: string }).content).includes('Hall A: the publisher is gone')
        ),
      ),
    15_000,
  );

  const alert = page.locator('[data-alert=uplinkLost][data-alert-room=hall-a]');
  await alert.waitFor();
  await alert.getByRole('button', { name: 'Acknowledge' }).click();
  await alert.locator('[data-acknowledged]').filter({ hasText: 'on it' }).waitFor();
});

test("restarting a room's pipeline asks for confirmation and the encoder starts a fresh ladder", async () => {
  const before = stack.encoder.output().split('ladder restarted for an operator').length;
  await tile('hall-b').getByRole('button', { name: 'Restart pipeline' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Restart the pipeline of Hall B?').waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await page.waitForTimeout(2500);
  assert.equal(stack.encoder.output().split('ladder restarted for an operator').length, before);

  await tile('hall-b').getByRole('button', { name: 'Restart pipeline' }).click();
  await dialog.locator('[data-confirm]').click();
  await stack.waitFor(
    'the encoder to restart the ladder',
    () =>
      Promise.resolve(
        stack.encoder.output().split('ladder restarted for an operator').length > before,
      ),
    10_000,
  );
  await stack.waitFor('hall B to come back with a new picture', async () => {
    const { rooms } = await stack.apiJson('GET', '/control?event=conf');
    return rooms.find((r: { id: string }) => r.id === 'hall-b').state === 'live';
  }, 20_000);
});

test('a viewer gets 403 from the control room and is offered to sign in as someone else', async () => {
  const viewer = await (await browser.newContext()).newPage();
  await viewer.goto(`${stack.edgeUrl}/login`);
  await signIn(viewer, VIEWER);
  await viewer.waitForURL('**/account');
  const api = await viewer.request.get(`${stack.edgeUrl}/api/v1/control?event=conf`);
  assert.equal(api.status(), 403);
  await viewer.goto(`${stack.edgeUrl}/control/conf`);
  await viewer.locator('[data-gate="403"]').waitFor();
  assert.ok(await viewer.getByRole('link', { name: 'Sign in' }).isVisible());
  assert.equal(await viewer.locator('[data-room]').count(), 0, 'no tile, no picture');
  const picture = await viewer.request.get(
    `${stack.edgeUrl}/api/v1/control/rooms/hall-b/output.jpg`,
  );
  assert.equal(picture.status(), 403);
});

test('no webhook URL token in any process output', async () => {
  const logs = [stack.edge.output(), stack.encoder.output()].join('\n');
  assert.ok(!logs.includes(HOOK_TOKEN));
  assert.ok((await readFile(join(stack.dir, 'control-room.png'))).length > 10_000);
});

async function waitForHook(rule: string, room: string) {
  return await stack.waitFor(
    `a ${rule} alert for ${room} at the webhook`,
    () =>
      Promise.resolve(
        jsonAlerts().find((a) =>
          a.alert.rule === rule && a.alert.room === room && a.change === 'fired'
        ),
      ),
    15_000,
  );
}
