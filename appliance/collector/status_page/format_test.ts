import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  elapsedOnCollector,
  formatAgo,
  formatBitrate,
  formatDb,
  formatDiskMb,
  formatDuration,
  meterFraction,
} from './format.ts';

test('meter positions are linear in dB from −60 to 0 and clamp outside', () => {
  assert.equal(meterFraction(-60), 0);
  assert.equal(meterFraction(-30), 0.5);
  assert.equal(meterFraction(0), 1);
  assert.equal(meterFraction(-200), 0, 'digital silence sits at the floor');
  assert.equal(meterFraction(3), 1);
  assert.equal(meterFraction(Number.NaN), 0);
});

test('levels read as dB with a real minus sign, and silence as a word', () => {
  assert.equal(formatDb(-12.34), '−12.3 dB');
  assert.equal(formatDb(-200), 'silent');
  assert.equal(formatDb(-60), 'silent');
});

test('relative times, durations, bitrates and disk sizes in the words the crew reads', () => {
  assert.equal(formatAgo(2_000), 'just now');
  assert.equal(formatAgo(42_000), '42 s ago');
  assert.equal(formatAgo(125_000), '2 min ago');
  assert.equal(formatAgo(3 * 3_600_000 + 5), '3 h ago');
  assert.equal(formatAgo(3 * 86_400_000), '3 d ago');
  assert.equal(formatDuration(59), '0:59');
  assert.equal(formatDuration(3_725), '1:02:05');
  assert.equal(formatBitrate(850), '850 kb/s');
  assert.equal(formatBitrate(4_250), '4.3 Mb/s');
  assert.equal(formatDiskMb(950), '950 MB');
  assert.equal(formatDiskMb(12_700), '12.4 GB');
});

test('elapsed time is measured on the collector clock, whatever the viewer clock says', () => {
  const at = '2025-05-01T10:00:00.000Z';
  // The viewer's clock is an hour off; only the 3 s since the snapshot arrived count.
  const viewerNow = Date.parse('2025-05-01T11:00:03.000Z');
  const receivedAt = viewerNow - 3_000;
  assert.equal(elapsedOnCollector('2025-05-01T09:58:00.000Z', at, receivedAt, viewerNow), 123_000);
  assert.equal(elapsedOnCollector(null, at, receivedAt, viewerNow), null);
  assert.equal(elapsedOnCollector('not a time', at, receivedAt, viewerNow), null);
});
