// The collector's GStreamer pipelines as gst-launch descriptions, built from typed config
// by pure functions (tested by exact comparison; the worker only parses and drives them).
//
// Two pipelines, so the network can never stall the recording:
//  * capture: source → deinterlace/scale/rate → tee ─┬─ light x264 ─┐
//                                                     │              ├ flvmux → appsink "uplinkfeed"
//             audio → 48 kHz stereo → level → AAC ───┼──────────────┘
//                                                     ├─ full-quality x264 + AAC → splitmuxsink (MPEG-TS)
//                                                     └─ 1 fps 320 px JPEG → appsink "preview"
//  * uplink: appsrc "feed" → rtmp2sink "uplink". The worker moves FLV from the capture
//    pipeline's appsink into it; when the uplink fails or freezes the worker throws this
//    small pipeline away and builds a new one, while capture and recording never stop.
//    The appsink drops rather than blocks, so a stuck uplink cannot hold back the tee.
import { chain, ns, prop } from './gst_syntax.ts';
import { alsaAudio } from './sources/alsa.ts';
import { deckLinkAudio, deckLinkVideo } from './sources/decklink.ts';
import { pulseAudio } from './sources/pulse.ts';
import type { CollectorConfig, SourceChain } from './sources/source.ts';
import { silentTestAudio, testPatternAudio, testPatternVideo } from './sources/test_pattern.ts';
import { v4l2Video } from './sources/v4l2.ts';

export interface CapturePlan {
  room: string;
  source: CollectorConfig['source'];
  audio: CollectorConfig['audio'];
  output: CollectorConfig['output'];
  recording: {
    /** splitmuxsink location pattern, with `%05d` for the file number. */
    location: string;
    segmentSeconds: number;
    videoKbps: number;
  };
  /** Wall-clock time (ISO) of the pipeline's running time 0, burned into the test pattern. */
  clockEpoch: string;
}

/** Element names the worker looks up; the descriptions below are built around them. */
export const ELEMENT = {
  uplinkEncoder: 'uplinkenc',
  uplinkFeed: 'uplinkfeed',
  preview: 'preview',
  levels: 'levels',
  recordVideoValve: 'recordvideo',
  recordAudioValve: 'recordaudio',
  recorder: 'rec',
  feed: 'feed',
  uplink: 'uplink',
} as const;

export const PREVIEW_WIDTH = 320;
export const LEVEL_INTERVAL_SECONDS = 0.1;
/** FLV tags the capture pipeline holds for the uplink before dropping (~10 s at 30 fps). */
const UPLINK_FEED_MAX_BUFFERS = 800;

export function describeCapturePipeline(plan: CapturePlan): string {
  const { output } = plan;
  const gopFrames = output.fps * output.gopSeconds;
  const video = videoSource(plan);
  const audio = audioSource(plan);
  const previewHeight = even((PREVIEW_WIDTH * output.height) / output.width);
  const branchQueue = `queue max-size-buffers=0 max-size-bytes=0 ${prop('max-size-time', ns(3))}`;

  return [
    chain(
      video.head,
      `queue ${prop('max-size-time', ns(1))}`,
      // mode=auto: only interlaced input (1080i from SDI) is deinterlaced.
      'deinterlace mode=auto',
      'videoconvert',
      // add-borders: a 4:3 source is pillarboxed, never stretched.
      'videoscale add-borders=true',
      'videorate',
      `video/x-raw,format=I420,width=${output.width},height=${output.height},framerate=${output.fps}/1,pixel-aspect-ratio=1/1`,
      'tee name=video',
    ),
    ...video.sideChains,
    chain(
      audio.head,
      `queue ${prop('max-size-time', ns(1))}`,
      'audioconvert',
      'audioresample',
      'audio/x-raw,format=S16LE,rate=48000,channels=2,layout=interleaved',
      `level name=${ELEMENT.levels} ${
        prop('interval', ns(LEVEL_INTERVAL_SECONDS))
      } post-messages=true`,
      `voaacenc ${prop('bitrate', output.audioKbps * 1000)}`,
      'aacparse',
      'tee name=aac',
    ),
    ...audio.sideChains,
    // The light encode for the uplink: zerolatency (no frame lookahead), a fixed GOP with
    // no scene-cut keyframes so the encoder's HLS segments cut on our keyframes.
    chain(
      'video.',
      branchQueue,
      [
        `x264enc name=${ELEMENT.uplinkEncoder} tune=zerolatency`,
        prop('speed-preset', output.preset),
        prop('bitrate', output.videoKbps),
        prop('key-int-max', gopFrames),
        'bframes=0',
        prop('option-string', `keyint_min=${gopFrames}:scenecut=0`),
      ].join(' '),
      'h264parse',
      'queue',
      'mux.',
    ),
    chain('aac.', 'queue', 'mux.'),
    chain(
      'flvmux name=mux streamable=true',
      `appsink name=${ELEMENT.uplinkFeed} sync=false drop=true ${
        prop('max-buffers', UPLINK_FEED_MAX_BUFFERS)
      }`,
    ),
    // The recording: its own encoder at full quality; valves let the worker pause it when
    // the disk runs out instead of failing the whole pipeline.
    chain(
      'video.',
      branchQueue,
      `valve name=${ELEMENT.recordVideoValve} drop=false`,
      [
        'x264enc name=recordenc',
        prop('speed-preset', output.preset),
        prop('bitrate', plan.recording.videoKbps),
        prop('key-int-max', gopFrames),
      ].join(' '),
      'h264parse',
      'queue',
      `${ELEMENT.recorder}.video`,
    ),
    chain(
      'aac.',
      branchQueue,
      `valve name=${ELEMENT.recordAudioValve} drop=false`,
      'queue',
      `${ELEMENT.recorder}.audio_0`,
    ),
    // MPEG-TS: every byte written is playable, so a kill or power cut loses nothing before
    // it. Timestamps continue from file to file.
    [
      `splitmuxsink name=${ELEMENT.recorder} muxer=mpegtsmux`,
      prop('max-size-time', ns(plan.recording.segmentSeconds)),
      'send-keyframe-requests=true',
      prop('location', plan.recording.location),
    ].join(' '),
    // The crew's preview: one small JPEG a second; leaky so it never holds anything back.
    chain(
      'video.',
      'queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0',
      'videorate max-rate=1',
      'videoscale',
      `video/x-raw,width=${PREVIEW_WIDTH},height=${previewHeight}`,
      'jpegenc quality=70',
      `appsink name=${ELEMENT.preview} sync=false drop=true max-buffers=1`,
    ),
  ].join(' ');
}

export interface UplinkPlan {
  /** Bytes the feed may hold while the connection is slow, before it drops the oldest. */
  maxQueuedBytes: number;
  /** Seconds rtmp2sink waits for the server during connect and handshake. */
  timeoutSeconds: number;
}

/**
 * The uplink: host, port, application and stream (the key) are set on `uplink` as
 * properties by the worker, so the key is in no description, log or argv.
 */
export function describeUplinkPipeline(plan: UplinkPlan): string {
  return chain(
    `appsrc name=${ELEMENT.feed} is-live=true format=time ${
      prop('max-bytes', plan.maxQueuedBytes)
    } leaky-type=downstream`,
    // sync=false: the buffers carry the capture pipeline's times; send them as they come.
    `rtmp2sink name=${ELEMENT.uplink} sync=false async-connect=true chunk-size=4096 ${
      prop('timeout', plan.timeoutSeconds)
    }`,
  );
}

function videoSource(plan: CapturePlan): SourceChain {
  const { source, output } = plan;
  switch (source.kind) {
    case 'test':
      return testPatternVideo({
        width: output.width,
        height: output.height,
        fps: output.fps,
        room: plan.room,
        clockEpoch: plan.clockEpoch,
      });
    case 'v4l2':
      return v4l2Video(source.device);
    case 'decklink':
      return deckLinkVideo(source.deckLinkIndex);
  }
}

function audioSource(plan: CapturePlan): SourceChain {
  const { audio } = plan;
  switch (audio.kind) {
    case 'test':
      return testPatternAudio();
    case 'silent':
      return silentTestAudio();
    case 'alsa':
      return alsaAudio(audio.device);
    case 'pulse':
      return pulseAudio(audio.device);
    case 'decklink':
      return deckLinkAudio(plan.source.deckLinkIndex);
  }
}

function even(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}
