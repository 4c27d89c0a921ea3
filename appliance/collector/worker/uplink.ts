// The uplink pipeline in the worker: FLV tags from the capture pipeline → appsrc →
// rtmp2sink. One pipeline per connection attempt: on failure the daemon says disconnect
// and connect again, and this small pipeline is thrown away and built anew while the
// capture pipeline (and with it the recording) keeps running.
import { describeUplinkPipeline, ELEMENT } from '../pipeline/describe.ts';
import type { UplinkTarget, WorkerMessage } from '../worker_protocol.ts';
import { isVideoKeyframeTag } from './flv_tag.ts';
import type { Gst, GstAppSrc, GstElement, GstSample } from './gst.ts';
import { parseRtmpStats } from './gst_text.ts';

export interface UplinkOptions {
  gst: Gst;
  send(message: WorkerMessage): void;
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
}

/** ~10 s at 4 Mbit/s: what the feed may hold while a connection is slow. */
const MAX_QUEUED_BYTES = 5_000_000;
const CONNECT_TIMEOUT_SECONDS = 3;

export function createUplink(options: UplinkOptions): Uplink {
  const { gst, send } = options;
  let current: Connection | null = null;

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
      };
      pipeline.setState(gst.State.PLAYING);
    },
    disconnect(attempt) {
      if (current?.attempt === attempt) close();
    },
    feed(sample) {
      const connection = current;
      const buffer = sample.getBuffer();
      if (!connection || !buffer) return;
      // FLV header, metadata and sequence headers travel in the caps (streamheader);
      // rtmp2sink sends them first on every new connection.
      if (buffer.hasFlags(gst.BufferFlags.HEADER)) return;
      if (connection.waitingForKeyframe) {
        const head = Uint8Array.from(buffer.extractDup(0, 12) as ArrayLike<number>);
        if (!isVideoKeyframeTag(head)) return;
        connection.waitingForKeyframe = false;
        connection.src.setCaps(sample.getCaps());
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
