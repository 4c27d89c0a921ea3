// The descriptions of pipeline/describe.ts against the real GStreamer: every element and
// property of every source kind exists (gst_parse_launch refuses unknown ones), and the
// worker finds the elements it drives by name. Parsing opens no device, so the V4L2,
// DeckLink, ALSA and PulseAudio variants are checked on a machine without them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CapturePlan,
  describeCapturePipeline,
  describeUplinkPipeline,
  ELEMENT,
} from '../pipeline/describe.ts';
import { SAMPLE_PLAN } from '../pipeline/sample_plan.ts';
import { CAPTURE_ELEMENT, MIC_ELEMENT } from '../pipeline/sources/source.ts';
import { loadGst } from './gst.ts';

const base: CapturePlan = {
  ...SAMPLE_PLAN,
  recording: { ...SAMPLE_PLAN.recording, location: '/tmp/a dir/rec-%05d.ts' },
};

const variants: Array<[string, Partial<CapturePlan>]> = [
  ['test pattern and tone', {}],
  ['V4L2 and ALSA', {
    source: { kind: 'v4l2', device: '/dev/video2', deckLinkIndex: 0 },
    audio: { kind: 'alsa', device: 'hw:1,0' },
  }],
  ['DeckLink with embedded audio', {
    source: { kind: 'decklink', device: '/dev/video0', deckLinkIndex: 1 },
    audio: { kind: 'decklink', device: 'default' },
  }],
  ['V4L2 and PulseAudio', {
    source: { kind: 'v4l2', device: '/dev/video0', deckLinkIndex: 0 },
    audio: { kind: 'pulse', device: 'alsa_input.usb-Focusrite.analog-stereo' },
  }],
];

for (const [name, change] of variants) {
  test(`GStreamer parses the capture pipeline: ${name}`, () => {
    const gst = loadGst();
    const pipeline = gst.parseLaunch(describeCapturePipeline({ ...base, ...change }));
    for (
      const element of [
        CAPTURE_ELEMENT,
        MIC_ELEMENT,
        ELEMENT.uplinkEncoder,
        ELEMENT.uplinkFeed,
        ELEMENT.preview,
        ELEMENT.levels,
        ELEMENT.recordVideoValve,
        ELEMENT.recordAudioValve,
        ELEMENT.recorder,
      ]
    ) {
      assert.ok(pipeline.getByName(element), `element '${element}'`);
    }
    assert.equal(pipeline.getByName(ELEMENT.recorder)!.location, '/tmp/a dir/rec-%05d.ts');
    pipeline.setState(gst.State.NULL);
  });
}

test('GStreamer parses the uplink pipeline; the worker sets host, port and key on it', () => {
  const gst = loadGst();
  const pipeline = gst.parseLaunch(
    describeUplinkPipeline({ maxQueuedBytes: 5_000_000, timeoutSeconds: 3 }),
  );
  const sink = pipeline.getByName(ELEMENT.uplink)!;
  sink.host = '192.0.2.10';
  sink.port = 19350;
  sink.stream = 'rk_secret';
  assert.equal(sink.location, 'rtmp://192.0.2.10:19350/live/rk_secret');
  assert.ok(pipeline.getByName(ELEMENT.feed));
});

test('a description with an unknown property is refused by GStreamer, not ignored', () => {
  const gst = loadGst();
  assert.throws(() => gst.parseLaunch('videotestsrc no-such-property=1 ! fakesink'));
});
