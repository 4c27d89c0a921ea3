import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  describeVideoCaps,
  parseFragmentOpened,
  parseLevelMessage,
  parseRtmpStats,
} from './gst_text.ts';

test('level messages become per-channel dB, silence clamped to the wire range', () => {
  const text = 'level, endtime=(guint64)101492072, timestamp=(guint64)1492072, ' +
    'rms=(GValueArray)< -4.9485002168009506, -inf >, ' +
    'peak=(GValueArray)< -1.9382024641373978, -inf >, decay=(GValueArray)< -1.9, -inf >;';
  assert.deepEqual(parseLevelMessage(text), [
    { rmsDb: -4.9, peakDb: -1.9 },
    { rmsDb: -200, peakDb: -200 },
  ]);
  assert.equal(parseLevelMessage('splitmuxsink-fragment-opened, location=(string)x;'), null);
  assert.equal(parseLevelMessage('level, rms=(GValueArray)< -1 >;'), null, 'no peak list');
});

test('video caps read as an input format a crew recognises', () => {
  assert.equal(
    describeVideoCaps(
      'video/x-raw, format=(string)UYVY, width=(int)1920, height=(int)1080, ' +
        'framerate=(fraction)25/1, interlace-mode=(string)interleaved',
    ),
    '1920x1080 25i',
  );
  assert.equal(
    describeVideoCaps(
      'video/x-raw, width=(int)1280, height=(int)720, framerate=(fraction)30000/1001, ' +
        'interlace-mode=(string)progressive',
    ),
    '1280x720 29.97p',
  );
  assert.equal(
    describeVideoCaps('image/jpeg, width=(int)1920, height=(int)1080, framerate=(fraction)60/1'),
    '1920x1080 60p MJPEG',
  );
  assert.equal(describeVideoCaps('audio/x-raw, rate=(int)48000'), null);
});

test("rtmp2sink's stats structure", () => {
  const text = 'GstRtmpConnectionStats, in-chunk-size=(uint)4096, out-chunk-size=(uint)128, ' +
    'in-window-ack-size=(uint)65536, out-window-ack-size=(uint)65536, ' +
    'in-bytes-total=(guint64)521, out-bytes-total=(guint64)503423, ' +
    'in-bytes-acked=(guint64)0, out-bytes-acked=(guint64)459235;';
  assert.deepEqual(parseRtmpStats(text), {
    outBytes: 503423,
    ackedBytes: 459235,
    inBytes: 521,
    windowBytes: 65536,
  });
});

test("splitmuxsink's fragment-opened message gives the file, escapes undone", () => {
  assert.equal(
    parseFragmentOpened(
      'splitmuxsink-fragment-opened, location=(string)"/tmp/smx/a\\ b-00000.ts", ' +
        'running-time=(guint64)12842984, sink=(GstElement)"\\(GstFileSink\\)\\ sink";',
    ),
    '/tmp/smx/a b-00000.ts',
  );
  assert.equal(
    parseFragmentOpened(
      'splitmuxsink-fragment-opened, location=(string)/rec/hall-00001.ts, running-time=(guint64)1;',
    ),
    '/rec/hall-00001.ts',
  );
  assert.equal(parseFragmentOpened('splitmuxsink-fragment-closed, location=(string)/x.ts;'), null);
});
