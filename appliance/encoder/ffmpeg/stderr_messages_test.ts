import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createStderrReader,
  FFMPEG_MESSAGES,
  operatorMessage,
  type StderrMessage,
} from './stderr_messages.ts';

// Lines as ffmpeg 5.1 prints them at `-loglevel level+warning` (most captured from real
// runs), each with the message expected: one case at least for every rule of the table.
const CASES: { line: string; message: string; severity: string }[] = [
  {
    line:
      '[tcp @ 0x558ebc5489c0] [error] Connection to tcp://127.0.0.1:1935?tcp_nodelay=0 failed: Connection refused',
    message: 'cannot connect to the local RTMP ingest (is nginx running?)',
    severity: 'fatal',
  },
  {
    line: '[error] rtmp://127.0.0.1:1935/live/main-hall: Connection timed out',
    message: 'the RTMP input timed out',
    severity: 'fatal',
  },
  {
    line: '[error] rtmp://127.0.0.1:1935/live/main-hall: Connection reset by peer',
    message: "the RTMP ingest dropped ffmpeg's connection",
    severity: 'fatal',
  },
  {
    line: '[error] rtmp://127.0.0.1:1935/live/main-hall: Input/output error',
    message: 'the RTMP input could not be read (no publisher, or it went away)',
    severity: 'fatal',
  },
  {
    line: '[rtmp @ 0x5581f0c3a100] [error] Server error: Stream not found',
    message: 'the RTMP ingest refused to play the stream: Stream not found',
    severity: 'fatal',
  },
  {
    line: '[error] Error while decoding stream #0:0: Invalid data found when processing input',
    message: "damaged frames in the publisher's stream were skipped (packet loss upstream?)",
    severity: 'warning',
  },
  {
    line: '[error] /etc/hostname: Invalid data found when processing input',
    message: 'the input is not a stream ffmpeg can read (not FLV/H.264/AAC, or cut off)',
    severity: 'fatal',
  },
  {
    line:
      '[flv @ 0x557039ba8180] [warning] Could not find codec parameters for stream 0 (Video: h264, none): unspecified size',
    message: "ffmpeg could not learn a stream's format while probing (no keyframe in time?)",
    severity: 'warning',
  },
  {
    line: '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x563dbf7fb800] [error] moov atom not found',
    message: 'the input is an MP4 without its index (a recording still being written or cut off)',
    severity: 'fatal',
  },
  {
    line: "[fatal] Stream map '0:a:0' matches no streams.",
    message:
      "the publisher's stream lacks a track the ladder needs (audio or video missing): 0:a:0",
    severity: 'fatal',
  },
  {
    line:
      "[fatal] Stream specifier ':v:0' in filtergraph description [0:v:0]fps=30,scale=640:360,setsar=1[v0] matches no streams.",
    message: 'the input has no video stream (did the probe end before the first keyframe?): :v:0',
    severity: 'fatal',
  },
  {
    line:
      '[mp4 @ 0x55d0f0a1b2c0] [warning] Non-monotonous DTS in output stream 0:1; previous: 96256, current: 95232; changing to 96257. This may result in incorrect timestamps in the output file.',
    message: "the publisher's timestamps went backwards (encoder restart or clock jump); patched",
    severity: 'warning',
  },
  {
    line:
      '[mp4 @ 0x55d0f0a1b2c0] [error] Application provided invalid, non monotonically increasing dts to muxer in stream 0: 3072 >= 3072',
    message: 'timestamps went backwards at an output; ffmpeg adjusted or dropped packets',
    severity: 'warning',
  },
  {
    line: '[warning] Past duration 0.999992 too large',
    message: 'frames arrive faster than the planned frame rate; the extra ones are dropped',
    severity: 'info',
  },
  {
    line: '[warning] More than 1000 frames duplicated',
    message: 'the input delivers fewer frames than planned; ffmpeg repeats frames',
    severity: 'warning',
  },
  {
    line: '[warning] real-time buffer too full or near too full (101%)! frame dropped!',
    message: 'frames are being dropped: the encoder is not keeping up (CPU overloaded?)',
    severity: 'warning',
  },
  {
    line: '[fatal] Too many packets buffered for output stream 3:1.',
    message: 'one output ran too far ahead of another (a stream of the input stalled)',
    severity: 'fatal',
  },
  {
    line: '[error] av_interleaved_write_frame(): No space left on device',
    message: 'the disk holding the HLS files is full',
    severity: 'fatal',
  },
  {
    line:
      "[hls @ 0x55fa94f21840] [error] Failed to open segment '/var/lib/roomcast/hls/main-hall/720p/r000012-3.m4s.tmp': Permission denied",
    message:
      'ffmpeg was denied access to a file (check the HLS directory owner): /var/lib/roomcast/hls/main-hall/720p/r000012-3.m4s.tmp',
    severity: 'fatal',
  },
  {
    line: "[hls @ 0x55fa94f21840] [error] Failed to open segment 'r000012-init.mp4'",
    message:
      'ffmpeg cannot create an output file (directory missing or not writable?): r000012-init.mp4',
    severity: 'fatal',
  },
  {
    line:
      '[error] Could not write header for output file #0 (incorrect codec parameters ?): No such file or directory',
    message: 'a file or directory ffmpeg needs does not exist',
    severity: 'fatal',
  },
  {
    line: '[error] Error writing trailer of pipe:1: Broken pipe',
    message: "an output of ffmpeg's went away (broken pipe)",
    severity: 'fatal',
  },
  {
    line:
      '[error] Could not write header for output file #2 (incorrect codec parameters ?): Invalid argument',
    message: 'ffmpeg could not start an output (see the message before this one)',
    severity: 'fatal',
  },
  {
    line: "[fatal] Unknown encoder 'libx264'",
    message: 'this ffmpeg build lacks an encoder the ladder needs: libx264',
    severity: 'fatal',
  },
  {
    line: '[h264_nvenc @ 0x5566778899aa] [error] No NVENC capable devices found',
    message: "the hardware encoder's device is not available",
    severity: 'fatal',
  },
  {
    line: '[libx264 @ 0x55a76857df00] [error] Error setting profile foo.',
    message: 'an encoder refused its settings (bitrate, size or profile)',
    severity: 'fatal',
  },
  {
    line: '[error] Error reinitializing filters!',
    message: 'the filters could not be set up (did the publisher change size or format?)',
    severity: 'fatal',
  },
  {
    line: '[error] Error while filtering: Cannot allocate memory',
    message: 'ffmpeg ran out of memory',
    severity: 'fatal',
  },
  {
    line: 'Conversion failed!',
    message: 'ffmpeg stopped: the conversion failed (see the message before this one)',
    severity: 'fatal',
  },
];

test('every line of the table maps to its message, and every rule has a case', () => {
  const covered = new Set<number>();
  for (const { line, message, severity } of CASES) {
    assert.deepEqual(operatorMessage(line), { message, severity }, line);
    covered.add(FFMPEG_MESSAGES.findIndex((rule) => rule.match.test(line)));
  }
  const missing = FFMPEG_MESSAGES.map((rule, i) => (covered.has(i) ? null : String(rule.match)))
    .filter((rule) => rule !== null);
  assert.deepEqual(missing, []);
});

test('a detail that looks secret is left out, the message stays', () => {
  assert.deepEqual(
    operatorMessage(
      "[hls @ 0x1] [error] Failed to open segment '/tmp/x?token=abc': Permission denied",
    ),
    {
      message: 'ffmpeg was denied access to a file (check the HLS directory owner)',
      severity: 'fatal',
    },
  );
  assert.deepEqual(
    operatorMessage('[rtmp @ 0x1] [error] Server error: bad key=sk_live_4f9a8b7c6d5e4f3a2b1c'),
    { message: 'the RTMP ingest refused to play the stream', severity: 'fatal' },
  );
  assert.deepEqual(
    operatorMessage("[fatal] Unknown encoder 'a1b2c3d4e5f6a7b8c9d0e1f2'"),
    { message: 'this ffmpeg build lacks an encoder the ladder needs', severity: 'fatal' },
  );
});

test('lines of no interest give nothing; known-harmless 5.1 warnings among them', () => {
  for (
    const line of [
      '[mp4 @ 0x55a627e81340] [warning] Packet duration: -16 / dts: 96272 is out of range',
      '[aac @ 0x55fa94f8d700] [warning] 2 frames left in the queue on closing',
      "To ignore this, add a trailing '?' to the map.",
      '',
    ]
  ) {
    assert.equal(operatorMessage(line), null, line);
  }
});

function collect(options: { now?: () => number; windowMs?: number } = {}) {
  const messages: StderrMessage[] = [];
  const reader = createStderrReader((message) => messages.push(message), options);
  return { messages, reader };
}

test('the reader splits chunks into lines, CR and CRLF too, and keeps a last partial line', () => {
  const { messages, reader } = collect();
  reader.push('[warning] Past dur');
  reader.push('ation 0.5 too large\r\n[error] Error reinitializing filters!\r');
  reader.push("[fatal] Unknown encoder 'libvpx-vp9'");
  assert.deepEqual(messages.map((m) => m.severity), ['info', 'fatal']);
  reader.end();
  assert.deepEqual(
    messages.map((m) => m.message).at(-1),
    'this ffmpeg build lacks an encoder the ladder needs: libvpx-vp9',
  );
});

test('repeats within the window are held back and counted on the next one passed on', () => {
  let clock = 0;
  const { messages, reader } = collect({ now: () => clock, windowMs: 10_000 });
  const line =
    '[error] Error while decoding stream #0:0: Invalid data found when processing input\n';
  for (let i = 0; i < 50; i++) {
    reader.push(line);
    clock += 100; // a damaged input: the same line ten times a second
  }
  reader.push('[warning] Past duration 0.9 too large\n');
  assert.equal(messages.length, 2);
  assert.equal(messages[0]!.repeated, 0);
  clock = 10_000;
  reader.push(line);
  assert.equal(messages.length, 3);
  assert.equal(messages[2]!.repeated, 49);
});

test('unknown error lines are passed on without their context, secret-looking ones withheld', () => {
  const { messages, reader } = collect();
  reader.push('[hls @ 0x55fa94f21840] [error] something odd happened in segment 3\n');
  reader.push('[warning] an unknown warning is dropped\n');
  reader.push('[fatal] failed for rtmp://user:pw@10.0.0.1/live?key=abc\n');
  reader.push('x264 [error]: malloc of size 1234 failed\n');
  assert.deepEqual(messages.map(({ message, severity }) => ({ message, severity })), [
    { message: 'ffmpeg: something odd happened in segment 3', severity: 'warning' },
    {
      message:
        'ffmpeg reported an error (not shown: it is long or looks like it carries a credential)',
      severity: 'fatal',
    },
    { message: 'ffmpeg: x264 malloc of size 1234 failed', severity: 'warning' },
  ]);
});

test('info lines are never operator messages, even when a publisher wrote them; they go aside', () => {
  const info: string[] = [];
  const messages: StderrMessage[] = [];
  const reader = createStderrReader((message) => messages.push(message), {
    onInfoLine: (line) => info.push(line),
  });
  reader.push("[info] Input #0, flv, from 'rtmp://127.0.0.1/live/hall':\n");
  // A publisher's metadata, printed by ffmpeg as it came: it matches a rule's pattern.
  reader.push('[info]     title           : Connection refused\n');
  reader.push("[hls @ 0x55fa94f21840] [info] Opening '/srv/hls/r1-0.m4s.tmp' for writing\n");
  reader.push('[error] Error while decoding stream #0:0: Invalid data found\n');
  assert.deepEqual(info, [
    "[info] Input #0, flv, from 'rtmp://127.0.0.1/live/hall':",
    '[info]     title           : Connection refused',
    "[hls @ 0x55fa94f21840] [info] Opening '/srv/hls/r1-0.m4s.tmp' for writing",
  ]);
  assert.deepEqual(messages.map((m) => m.severity), ['warning']);
});
