// The streamer's whole way, for real: a person signs up on the page in Chromium, the edge
// mails the link through SMTP (a real SMTP server in this process), they follow it, ask to
// stream; an admin signs in on the login page and approves; the streamer makes a stream key
// on the account page and publishes with ffmpeg to nginx-rtmp; the edge meters the minutes
// from nginx's update hook and, at zero credits, cuts the publish off through that hook;
// the account page says why. Then a password reset by mail, through the pages.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../core/testing/chromium.ts';
import {
  linkIn,
  startTestSmtp,
  TEST_SMTP_PASSWORD,
  TEST_SMTP_USER,
  type TestSmtp,
} from '../edge/mail/testing.ts';
import type { RunningProcess } from '../core/testing/process.ts';
import { oneMediaFileAtATime } from './support/media_lock.ts';
import { startTestPublisher } from './support/publisher.ts';
import { type Stack, startStack } from './support/stack.ts';

const ADMIN = { email: 'admin@example.test', password: 'admin passphrase 1' };
const SAM = { email: 'sam@example.test', password: 'sam streams talks', name: 'Sam' };

let smtp: TestSmtp;
let stack: Stack;
let browser: Browser;

oneMediaFileAtATime();

before(async () => {
  smtp = await startTestSmtp();
  stack = await startStack({
    name: 'accounts',
    env: {
      ROOMCAST_BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      ROOMCAST_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      ROOMCAST_EDGE_MAIL_TRANSPORT: 'smtp',
      ROOMCAST_EDGE_MAIL_SMTP_HOST: '127.0.0.1',
      ROOMCAST_EDGE_MAIL_SMTP_PORT: String(smtp.port),
      ROOMCAST_EDGE_MAIL_SMTP_USER: TEST_SMTP_USER,
      ROOMCAST_EDGE_MAIL_SMTP_PASSWORD: TEST_SMTP_PASSWORD,
      ROOMCAST_EDGE_BILLING_ENABLED: 'true',
      // One minute of this 360p source's ladder (the encoder makes 2 or 3 renditions of it,
      // at 1 credit each a minute), no grace: the cut-off comes about a minute in.
      ROOMCAST_EDGE_BILLING_WELCOME_CREDITS: '3',
      ROOMCAST_EDGE_BILLING_GRACE_MINUTES: '0',
    },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
  await smtp?.close();
});

function exitsWithin(process: RunningProcess, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (process.child.exitCode !== null) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    process.child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto(`${stack.edgeUrl}/login`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/account');
}

test('sign up → mail → verify → approved → key → publish → minutes billed → cut off at zero', async () => {
  const sam = await (await browser.newContext()).newPage();
  await sam.goto(`${stack.edgeUrl}/signup`);
  await sam.getByLabel('Name').fill(SAM.name);
  await sam.getByLabel('Email').fill(SAM.email);
  await sam.getByLabel('Password').fill(SAM.password);
  await sam.getByRole('button', { name: 'Create account' }).click();
  await sam.locator('[data-signed-up]').waitFor();

  const confirm = await smtp.nextMail(SAM.email, 20_000);
  await sam.goto(linkIn(confirm));
  await sam.waitForURL('**/account');
  assert.equal(await sam.locator('[data-role]').textContent(), 'viewer');

  await sam.getByLabel('Room name (in its address)').fill('sam-live');
  await sam.getByLabel('Title').fill("Sam's talks");
  await sam.getByRole('button', { name: 'Apply' }).click();
  await sam.locator('[data-application=pending]').waitFor();

  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, ADMIN);
  await admin.getByRole('link', { name: 'Approvals' }).click();
  await admin.locator(`[data-application="${SAM.email}"]`).getByRole('button', { name: 'Approve' })
    .click();
  await admin.getByText('No one is waiting.').waitFor();

  await sam.reload();
  assert.equal(await sam.locator('[data-role]').textContent(), 'streamer');
  assert.equal(await sam.locator('[data-balance]').textContent(), '3');
  await sam.getByRole('button', { name: 'New stream key' }).click();
  const key = (await sam.locator('[data-new-key]').textContent())!;
  assert.match(key, /^rk_/);

  const publisher = startTestPublisher(stack.ports.rtmp, key);
  try {
    await stack.waitFor('the room to go live', async () => {
      const room = await (await fetch(`${stack.edgeUrl}/api/v1/public/rooms/sam-live`)).json();
      return room.state === 'live';
    }, 30_000);
    // The credits pay for a minute; the update hook after it (nginx asks every 5 s) cuts
    // the publish off.
    assert.ok(
      await exitsWithin(publisher, 150_000),
      `the publish was not cut off within 150 s\n${publisher.output()}`,
    );
  } finally {
    await publisher.stop();
  }
  // Publishing again with what is left: refused at once (it cannot pay a minute).
  const retry = startTestPublisher(stack.ports.rtmp, key);
  try {
    assert.ok(await exitsWithin(retry, 20_000), 'a publish without credits was not refused');
  } finally {
    await retry.stop();
  }

  await sam.reload();
  assert.match((await sam.locator('[data-cut-off]').textContent())!, /out of credits/);
  // Each minute costs one credit per rendition the encoder makes of this 360p source; the
  // publish ran while the balance paid for its next minute, then stopped, never below zero.
  const balance = Number(await sam.locator('[data-balance]').textContent());
  const minutes = (await sam.locator('[data-usage=publish] td:last-child').allTextContents())
    .map(Number);
  assert.ok(minutes.length >= 1, 'minutes billed');
  const perMinute = -minutes[0]!;
  assert.ok(minutes.every((m) => m === -perMinute), `${minutes}`);
  assert.equal(balance, 3 - minutes.length * perMinute);
  assert.ok(balance >= 0 && balance < perMinute, `balance ${balance}, ${perMinute} per minute`);
  assert.equal(
    await sam.locator('[data-billing]').getAttribute('data-billing'),
    balance > 0 ? 'low' : 'empty',
  );
  // The key and the passwords never reached the edge's or encoder's output.
  const logs = stack.edge.output() + stack.encoder.output();
  for (const secret of [key, SAM.password, ADMIN.password, TEST_SMTP_PASSWORD]) {
    assert.ok(!logs.includes(secret), 'a secret in the logs');
  }
});

test('forgot the password: the mailed link opens the page, the new password signs in', async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${stack.edgeUrl}/reset`);
  await page.getByLabel('Email').fill(SAM.email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await page.locator('[data-reset-done]').waitFor();
  const mail = await smtp.nextMail(SAM.email, 20_000);
  await page.goto(linkIn(mail));
  await page.waitForURL('**/reset?token=*');
  await page.getByLabel('New password').fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.locator('[data-reset-done]').waitFor();
  await signIn(page, { email: SAM.email, password: 'a brand new passphrase' });
  assert.equal(await page.locator('[data-role]').textContent(), 'streamer');
});
