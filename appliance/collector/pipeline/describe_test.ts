import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeCapturePipeline, describeUplinkPipeline } from './describe.ts';
import { SAMPLE_PLAN } from './sample_plan.ts';

const plan = SAMPLE_PLAN;

// Everything after the two capture chains is the same for every source.
const CONFORM_VIDEO = 'queue max-size-time=1000000000 ! deinterlace mode=auto ! videoconvert ! ' +
  'videoscale add-borders=true ! videorate ! ' +
  'video/x-raw,format=I420,width=1280,height=720,framerate=30/1,pixel-aspect-ratio=1/1 ! ' +
  'tee name=video';
const CONFORM_AUDIO = 'queue max-size-time=1000000000 ! audioconvert ! audioresample ! ' +
  'audio/x-raw,format=S16LE,rate=48000,channels=2,layout=interleaved ! ' +
  'level name=levels interval=100000000 post-messages=true ! voaacenc bitrate=128000 ! ' +
  'aacparse ! tee name=aac';
const BRANCHES = [
  'video. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000 ! ' +
  'x264enc name=uplinkenc tune=zerolatency speed-preset=superfast bitrate=2500 key-int-max=60 ' +
  'bframes=0 option-string="keyint_min=60:scenecut=0" ! h264parse ! queue ! mux.',
  'aac. ! queue ! mux.',
  'flvmux name=mux streamable=true ! appsink name=uplinkfeed sync=false drop=true max-buffers=800',
  'video. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000 ! ' +
  'valve name=recordvideo drop=false ! ' +
  'x264enc name=recordenc speed-preset=superfast bitrate=8000 key-int-max=60 ! h264parse ! ' +
  'queue ! rec.video',
  'aac. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000 ! ' +
  'valve name=recordaudio drop=false ! queue ! rec.audio_0',
  'splitmuxsink name=rec muxer=mpegtsmux max-size-time=60000000000 send-keyframe-requests=true ' +
  'location="/var/lib/roomcast/recordings/main-hall/main-hall-20261121T094500Z-%05d.ts"',
  'video. ! queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 ! ' +
  'videorate max-rate=1 ! videoscale ! video/x-raw,width=320,height=180 ! jpegenc quality=70 ! ' +
  'appsink name=preview sync=false drop=true max-buffers=1',
].join(' ');

test('test source: moving pattern with burned-in UTC clock and room, tone plus beep', () => {
  assert.equal(
    describeCapturePipeline(plan),
    [
      'videotestsrc name=capture is-live=true pattern=smpte horizontal-speed=2 ! ' +
      'video/x-raw,width=1280,height=720,framerate=30/1 ! ' +
      'timeoverlay time-mode=running-time show-times-as-dates=true ' +
      'datetime-epoch="2026-11-21T09:45:00.000Z" datetime-format="%H:%M:%S.%f UTC" ' +
      'halignment=left valignment=top font-desc="Monospace 30" ! ' +
      'textoverlay text="roomcast test pattern · main-hall" halignment=left valignment=bottom ' +
      'font-desc="Sans 30" ! ' + CONFORM_VIDEO,
      'audiomixer name=mic ! ' + CONFORM_AUDIO,
      'audiotestsrc is-live=true wave=sine freq=440 volume=0.05 ! mic.',
      'audiotestsrc is-live=true wave=ticks freq=1000 volume=0.5 apply-tick-ramp=true ' +
      'tick-interval=1000000000 sine-periods-per-tick=100 ! mic.',
      BRANCHES,
    ].join(' '),
  );
});

test('V4L2 grabber with ALSA audio: decoded, device names quoted when needed', () => {
  assert.equal(
    describeCapturePipeline({
      ...plan,
      source: { kind: 'v4l2', device: '/dev/video2', deckLinkIndex: 0 },
      audio: { kind: 'alsa', device: 'hw:1,0' },
    }),
    [
      'v4l2src name=capture device=/dev/video2 do-timestamp=true ! decodebin ! ' + CONFORM_VIDEO,
      'alsasrc name=mic device="hw:1,0" ! ' + CONFORM_AUDIO,
      BRANCHES,
    ].join(' '),
  );
});

test('DeckLink video with its embedded audio', () => {
  assert.equal(
    describeCapturePipeline({
      ...plan,
      source: { kind: 'decklink', device: '/dev/video0', deckLinkIndex: 1 },
      audio: { kind: 'decklink', device: 'default' },
    }),
    [
      'decklinkvideosrc name=capture device-number=1 mode=auto connection=auto ! ' +
      CONFORM_VIDEO,
      'decklinkaudiosrc name=mic device-number=1 channels=2 ! ' + CONFORM_AUDIO,
      BRANCHES,
    ].join(' '),
  );
});

test("PulseAudio: the server's default source, or a named one", () => {
  const withPulse = (device: string) =>
    describeCapturePipeline({ ...plan, audio: { kind: 'pulse', device } });
  assert.match(withPulse('default'), / pulsesrc name=mic ! queue /);
  assert.match(
    withPulse('alsa_input.usb-Focusrite.analog-stereo'),
    / pulsesrc name=mic device=alsa_input.usb-Focusrite.analog-stereo ! queue /,
  );
});

test('output size, rate, bitrates, GOP and segment length come from the plan', () => {
  const text = describeCapturePipeline({
    ...plan,
    output: { ...plan.output, width: 1920, height: 1080, fps: 25, videoKbps: 4000, gopSeconds: 1 },
    recording: { ...plan.recording, segmentSeconds: 10, videoKbps: 12000 },
  });
  assert.match(text, /video\/x-raw,format=I420,width=1920,height=1080,framerate=25\/1,/);
  assert.match(
    text,
    /x264enc name=uplinkenc .* bitrate=4000 key-int-max=25 bframes=0 option-string="keyint_min=25:scenecut=0"/,
  );
  assert.match(text, /x264enc name=recordenc speed-preset=superfast bitrate=12000 key-int-max=25 /);
  assert.match(text, /splitmuxsink name=rec muxer=mpegtsmux max-size-time=10000000000 /);
  assert.match(text, /video\/x-raw,width=320,height=180 ! jpegenc/);
});

test('a recording path with quotes and backslashes stays one value', () => {
  const text = describeCapturePipeline({
    ...plan,
    recording: { ...plan.recording, location: '/rec/"odd" dir\\x/a-%05d.ts' },
  });
  assert.match(text, / location="\/rec\/\\"odd\\" dir\\\\x\/a-%05d.ts" /);
});

test('uplink: feed into rtmp2sink, no address or key in the description', () => {
  assert.equal(
    describeUplinkPipeline({ maxQueuedBytes: 4_000_000, timeoutSeconds: 3 }),
    'appsrc name=feed is-live=true format=time max-bytes=4000000 leaky-type=downstream ! ' +
      'rtmp2sink name=uplink sync=false async-connect=true chunk-size=4096 timeout=3',
  );
});
