import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SourceInfo } from './ffmpeg/ladder_plan.ts';
import { createSourceSettler, SOURCE_SETTLE_MS, sourceFromMeta } from './source.ts';

const at360: SourceInfo = { width: 640, height: 360, fps: 30, hasAudio: true };
const at352: SourceInfo = { ...at360, height: 352 };

test("nginx's transient 640x352 does not count: two agreeing reads 250 ms apart do", () => {
  const settler = createSourceSettler();
  // What nginx said to the agent's 100 ms polls as a GStreamer publisher started.
  assert.equal(settler.offer(null, 0), null, 'no metadata yet');
  assert.equal(settler.offer(at352, 100), null, "the SPS's size, before the metadata again");
  assert.equal(settler.offer(at360, 200), null);
  assert.equal(settler.offer(at360, 300), null, '100 ms is not long enough');
  assert.equal(settler.offer(at360, 200 + SOURCE_SETTLE_MS), at360);
});

test('a read that differs starts over; a missing read changes nothing', () => {
  const settler = createSourceSettler(250);
  assert.equal(settler.offer(at352, 0), null);
  assert.equal(settler.offer(at352, 200), null);
  assert.equal(settler.offer(at360, 260), null, 'changed: the 352 reads are forgotten');
  assert.equal(settler.latest(), at360);
  assert.equal(settler.offer(null, 400), null);
  assert.equal(settler.offer({ ...at360, hasAudio: false }, 520), null, 'audio went');
  assert.equal(settler.offer({ ...at360, hasAudio: false }, 770), settler.latest());
  assert.deepEqual(settler.latest(), { ...at360, hasAudio: false });
});

test("nginx's metadata: no size, no source; no frame rate, 30", () => {
  assert.equal(sourceFromMeta({ video: null, audio: {} }), null);
  assert.equal(
    sourceFromMeta({ video: { width: 0, height: 360, frameRate: 30 }, audio: {} }),
    null,
  );
  assert.deepEqual(
    sourceFromMeta({ video: { width: 640, height: 360, frameRate: 0 }, audio: null }),
    { width: 640, height: 360, fps: 30, hasAudio: false },
  );
});
