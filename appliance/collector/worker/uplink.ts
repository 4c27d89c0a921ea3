// The uplink pipeline in the worker: FLV tags from the capture pipeline → appsrc →
// rtmp2sink. One pipeline per connection attempt: on failure the daemon says disconnect
// and connect again, and this small pipeline is thrown away and built anew while the
// capture pipeline (and with it the recording) keeps running.
//
// Each connection also carries the capture clock (core/wire/capture_clock.ts): right
// before its first keyframe goes an onMetaData with the wall-clock time of FLV timestamp
// 0, and every onMetaData flvmux sends later carries it too. nginx-rtmp keeps only the
// latest metadata for players that join later, so none may go without it; and it goes
// after the sequence headers, whose SPS nginx reads a size from (640x352 for our 640x360).
// Every onMetaData goes at timestamp 0: nginx passes it on with its own timestamp, and
// ffmpeg takes one stamped later than 0 for a packet of an extra text stream as well,
// which can move the input's start time (it counts a text stream starting < 1 s earlier).
import { CAPTURE_EPOCH_KEY } from '../../../core/wire/capture_clock.ts';
import { describeUplinkPipeline, ELEMENT } from '../pipeline/describe.ts';
import type { UplinkTarget, WorkerMessage } from '../worker_protocol.ts';
import {
  captureEpochMs,
  flvTimestampMs,
  isVideoKeyframeTag,
  SCRIPT_TAG,
  tagType,
  withFlvTimestamp,
  withMetadataNumber,
} from './flv_tag.ts';
import type { Gst, GstAppSrc, GstBuffer, GstElement, GstSample } from './gst.ts';
import { parseRtmpStats } from './gst_text.ts';

export interface UplinkOptions {
  gst: Gst;
  send(message: WorkerMessage): void;
  /** Wall-clock time (ms) of the capture pipeline's running time 0, or null before it plays. */
  wallClockAtRunningZeroMs(): number | null;
}

export interface Uplink {
  connect(attempt: number, target: UplinkTarget): void;
  disconnect(attempt: number): void;
  /** Hands one FLV tag to the current connection (or drops it when there is none). */
  feed(sample: GstSample): void;
  /** Polls the bus and reports counters; call from a Node timer. */
  poll(): void;
  stop(): void;
}

interface Connection {
  attempt: number;
  pipeline: GstElement;
  src: GstAppSrc;
  sink: GstElement;
  streamKey: string;
  waitingForKeyframe: boolean;
  /** Wall-clock time of FLV timestamp 0, fixed at the first keyframe; null if unknown. */
  captureEpochMs: number | null;
}

/** ~10 s at 4 Mbit/s: what the feed may hold while a connection is slow. */
const MAX_QUEUED_BYTES = 5_000_000;
const CONNECT_TIMEOUT_SECONDS = 3;
/** GStreamer's GST_CLOCK_TIME_NONE: a buffer without a timestamp. */
const CLOCK_TIME_NONE = 0xffff_ffff_ffff_ffffn;

export function createUplink(options: UplinkOptions): Uplink {
  const { gst, send } = options;
  let current: Connection | null = null;
  /** The newest onMetaData tag flvmux made (in the stream header or later), as bytes. */
  let metadata: Uint8Array | null = null;

  const bytesOf = (buffer: GstBuffer, size: number) =>
    Uint8Array.from(buffer.extractDup(0, size) as ArrayLike<number>);

  /** A buffer for `tag`, timed like the capture buffer it goes with. */
  const tagBuffer = (tag: Uint8Array, like: GstBuffer) => {
    const made = gst.newBuffer(tag);
    made.pts = like.pts;
    return made;
  };

  /** The newest metadata at timestamp 0, with the connection's capture clock if known. */
  const connectionMetadata = (connection: Connection): Uint8Array | null => {
    if (!metadata) return null;
    const atZero = withFlvTimestamp(metadata, 0);
    if (connection.captureEpochMs === null) return atZero;
    return withMetadataNumber(atZero, CAPTURE_EPOCH_KEY, connection.captureEpochMs) ?? atZero;
  };

  const epochOf = (buffer: GstBuffer, head: Uint8Array): number | null => {
    const zero = options.wallClockAtRunningZeroMs();
    const pts = BigInt(buffer.pts);
    if (zero === null || pts === CLOCK_TIME_NONE) return null;
    return captureEpochMs({
      wallClockAtRunningZeroMs: zero,
      runningTimeNs: pts,
      flvTimestampMs: flvTimestampMs(head),
    });
  };

  const close = () => {
    if (!current) return;
    const closing = current;
    current = null;
    closing.pipeline.setState(gst.State.NULL);
  };

  const redact = (text: string, key: string) => key ? text.split(key).join('***') : text;

  return {
    connect(attempt, target) {
      close();
      const pipeline = gst.parseLaunch(
        describeUplinkPipeline({
          maxQueuedBytes: MAX_QUEUED_BYTES,
          timeoutSeconds: CONNECT_TIMEOUT_SECONDS,
        }),
      );
      const sink = pipeline.getByName(ELEMENT.uplink)!;
      // Set as properties, so the key is in no description, URL string or argv.
      sink.host = target.host;
      sink.port = target.port;
      sink.application = target.application;
      sink.stream = target.streamKey;
      current = {
        attempt,
        pipeline,
        src: pipeline.getByName(ELEMENT.feed) as GstAppSrc,
        sink,
        streamKey: target.streamKey,
        waitingForKeyframe: true,
        captureEpochMs: null,
      };
      pipeline.setState(gst.State.PLAYING);
    },
    disconnect(attempt) {
      if (current?.attempt === attempt) close();
    },
    feed(sample) {
      const buffer = sample.getBuffer();
      if (!buffer) return;
      const head = bytesOf(buffer, 12);
      const script = tagType(head) === SCRIPT_TAG;
      if (script) metadata = bytesOf(buffer, Number(buffer.getSize()));
      // FLV header, metadata and sequence headers travel in the caps (streamheader);
      // rtmp2sink sends them first on every new connection.
      const connection = current;
      if (!connection || buffer.hasFlags(gst.BufferFlags.HEADER)) return;
      if (connection.waitingForKeyframe) {
        if (!isVideoKeyframeTag(head)) return;
        connection.waitingForKeyframe = false;
        connection.src.setCaps(sample.getCaps());
        connection.captureEpochMs = epochOf(buffer, head);
        const tag = connectionMetadata(connection);
        if (tag) connection.src.pushBuffer(tagBuffer(tag, buffer));
      } else if (script) {
        const tag = connectionMetadata(connection);
        if (tag) connection.src.pushBuffer(tagBuffer(tag, buffer));
        return;
      }
      connection.src.pushBuffer(buffer);
    },
    poll() {
      const connection = current;
      if (!connection) return;
      const bus = connection.pipeline.getBus();
      for (
        let message = bus.timedPopFiltered(0, gst.MessageType.ERROR);
        message;
        message = bus.timedPopFiltered(0, gst.MessageType.ERROR)
      ) {
        const [error] = message.parseError();
        send({
          type: 'uplinkError',
          attempt: connection.attempt,
          message: redact(error.message, connection.streamKey),
        });
        close();
        return;
      }
      const stats = parseRtmpStats(
        String((connection.sink.stats as { toString(): string } | null) ?? ''),
      );
      send({
        type: 'uplinkCounters',
        counters: { attempt: connection.attempt, ...stats },
      });
    },
    stop: close,
  };
}
