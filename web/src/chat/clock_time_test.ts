import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { clockTime, isoTime } from './clock_time.ts';

const zone = process.env.TZ;
after(() => {
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

const AT = Date.UTC(2026, 2, 14, 7, 5, 59); // 07:05:59 UTC

test('hours and minutes of the local clock, 24 h, zero-padded', () => {
  process.env.TZ = 'UTC';
  assert.equal(clockTime(AT), '07:05');
  process.env.TZ = 'Asia/Kolkata'; // +05:30
  assert.equal(clockTime(AT), '12:35');
  process.env.TZ = 'America/New_York'; // -04:00 on that day
  assert.equal(clockTime(AT), '03:05');
  assert.equal(isoTime(AT), '2026-03-14T07:05:59.000Z');
});
