// The collector's pipelines use only elements the requirements catalogue lists for the
// collector, each under the capture sources it is checked for, so `roomcast doctor` and
// the collector's start check look for all of them and the suite holds each against its
// Debian package. Every video source with every audio source.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CaptureKind, requirementsFor } from '../../../core/requirements/catalogue.ts';
import { describeCapturePipeline, describeUplinkPipeline } from './describe.ts';
import { descriptionFactories } from './gst_syntax.ts';
import { SAMPLE_PLAN } from './sample_plan.ts';

const VIDEO = ['test', 'v4l2', 'decklink'] as const;
const AUDIO = ['test', 'alsa', 'pulse', 'decklink'] as const;

/** The collector's elements a box with these sources is checked for. */
function checkedElements(captures: readonly CaptureKind[]): Set<string> {
  return new Set(
    requirementsFor(['collector']).flatMap((r) =>
      r.kind === 'gstElement' && (!r.captures || r.captures.some((c) => captures.includes(c)))
        ? [r.name]
        : []
    ),
  );
}

test('descriptionFactories reads elements, muxer= properties; not caps, pads or quoted text', () => {
  assert.deepEqual(
    [
      ...descriptionFactories(
        'videotestsrc name=capture ! video/x-raw,width=320 ! textoverlay text="a ! b queue" ! ' +
          'tee name=t t. ! queue ! mux. flvmux name=mux ! fakesink ' +
          'splitmuxsink name=rec muxer=mpegtsmux location="/x y/%05d.ts" a. ! rec.video',
      ),
    ].sort(),
    [
      'fakesink',
      'flvmux',
      'mpegtsmux',
      'queue',
      'splitmuxsink',
      'tee',
      'textoverlay',
      'videotestsrc',
    ],
  );
});

for (const video of VIDEO) {
  for (const audio of AUDIO) {
    test(`capture pipeline (${video} video, ${audio} audio): every element is catalogued`, () => {
      const description = describeCapturePipeline({
        ...SAMPLE_PLAN,
        source: { ...SAMPLE_PLAN.source, kind: video },
        audio: { ...SAMPLE_PLAN.audio, kind: audio },
      });
      const used = descriptionFactories(description);
      assert.ok(used.has('x264enc') && used.has('splitmuxsink'), [...used].join(', '));
      const checked = checkedElements([video, audio]);
      assert.deepEqual([...used].filter((name) => !checked.has(name)), [], description);
    });
  }
}

test('uplink pipeline: every element is catalogued', () => {
  const used = descriptionFactories(
    describeUplinkPipeline({ maxQueuedBytes: 1, timeoutSeconds: 5 }),
  );
  assert.deepEqual([...used].sort(), ['appsrc', 'rtmp2sink']);
  const checked = checkedElements([]);
  assert.deepEqual([...used].filter((name) => !checked.has(name)), []);
});
