import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clockOffsetMs,
  localExpiryMs,
  nativeSwapDelayMs,
  RENEW_MIN_DELAY_MS,
  renewalDelayMs,
  withToken,
} from './token.ts';

const ENCODER = 'http://enc.example:8080';
const TOKEN = 'e=1700000300&s=viewer-123&t=newhash';

test('withToken adds the token to URLs of the encoder that have none', () => {
  const url = withToken(`${ENCODER}/live/demo/360p/r000012-3.m4s`, TOKEN, ENCODER);
  const params = new URL(url).searchParams;
  assert.equal(new URL(url).pathname, '/live/demo/360p/r000012-3.m4s');
  assert.equal(params.get('e'), '1700000300');
  assert.equal(params.get('s'), 'viewer-123');
  assert.equal(params.get('t'), 'newhash');
});

test('withToken replaces an older token and keeps other parameters', () => {
  const url = withToken(
    `${ENCODER}/live/demo/360p/index.m3u8?e=1&s=viewer-123&t=oldhash&_HLS_msn=7`,
    TOKEN,
    ENCODER,
  );
  const params = new URL(url).searchParams;
  assert.deepEqual(params.getAll('t'), ['newhash']);
  assert.deepEqual(params.getAll('e'), ['1700000300']);
  assert.equal(params.get('_HLS_msn'), '7');
});

test('withToken leaves other origins and unparsable URLs alone', () => {
  const elsewhere = 'https://cdn.example/live/demo/master.m3u8?x=1';
  assert.equal(withToken(elsewhere, TOKEN, ENCODER), elsewhere);
  // Same host, other port: another origin.
  const otherPort = 'http://enc.example:9090/a.m3u8';
  assert.equal(withToken(otherPort, TOKEN, ENCODER), otherPort);
  assert.equal(withToken('360p/index.m3u8', TOKEN, ENCODER), '360p/index.m3u8');
});

test('renewal: halfway for a long token, a minute ahead for a shorter one', () => {
  const granted = 1_000_000;
  // 300 s: halfway (150 s) comes before "a minute before expiry" (240 s).
  assert.equal(renewalDelayMs(granted, granted + 300_000, granted), 150_000);
  // 100 s: a minute before expiry (40 s) comes before halfway (50 s).
  assert.equal(renewalDelayMs(granted, granted + 100_000, granted), 40_000);
  // Counted from now, not from the grant.
  assert.equal(renewalDelayMs(granted, granted + 300_000, granted + 10_000), 140_000);
});

test('renewal of a very short or expired token neither comes at once nor loops', () => {
  const granted = 1_000_000;
  // 30 s: "a minute before expiry" is before the grant; a quarter of the lifetime instead.
  assert.equal(renewalDelayMs(granted, granted + 30_000, granted), 7_500);
  assert.equal(renewalDelayMs(granted, granted - 5_000, granted), RENEW_MIN_DELAY_MS);
  assert.equal(renewalDelayMs(granted, granted + 300_000, granted + 299_000), RENEW_MIN_DELAY_MS);
});

test('native playback swaps to the new URL 15 s before the old token expires', () => {
  assert.equal(nativeSwapDelayMs(100_000, 40_000), 45_000);
  assert.equal(nativeSwapDelayMs(100_000, 90_000), 0);
});

test('clock offset from the Date header, ignored when within its resolution', () => {
  const server = Date.parse('2025-03-01T12:00:00Z');
  const header = new Date(server).toUTCString();
  assert.equal(clockOffsetMs(header, server + 300_000), 300_000);
  assert.equal(clockOffsetMs(header, server - 60_000), -60_000);
  assert.equal(clockOffsetMs(header, server + 900), 0);
  assert.equal(clockOffsetMs(null, server), 0);
  assert.equal(clockOffsetMs('yesterday-ish', server), 0);
  assert.equal(localExpiryMs('2025-03-01T12:05:00Z', 300_000), server + 600_000);
});
