// The capture pipeline in the worker: source → conform → light encode, recording and
// preview (see pipeline/describe.ts). It reports what the crew sees — levels, preview,
// input signal, recording file — and stops the worker on any pipeline error: crash-only,
// the daemon starts a fresh worker.
import { describeCapturePipeline, ELEMENT } from '../pipeline/describe.ts';
import type { CapturePlan } from '../pipeline/describe.ts';
import { CAPTURE_ELEMENT } from '../pipeline/sources/source.ts';
import type { WorkerMessage } from '../worker_protocol.ts';
import type { Gst, GstAppSink, GstElement, GstSample } from './gst.ts';
import { describeVideoCaps, parseFragmentOpened, parseLevelMessage } from './gst_text.ts';

export interface CaptureOptions {
  gst: Gst;
  plan: CapturePlan;
  send(message: WorkerMessage): void;
  /** A pipeline error: the worker reports it and exits. */
  onFatal(message: string): void;
}

export interface Capture {
  /** Starts the (paused) pipeline: now becomes running time 0. */
  play(): void;
  /** Polls the bus, the preview and the input; call from a Node timer. */
  poll(): void;
  /** Next FLV tag for the uplink, or null when none is waiting. */
  pullUplinkTag(): GstSample | null;
  /**
   * The wall-clock time (ms since the Unix epoch) of the pipeline's running time 0, read
   * now off the pipeline's clock (so it follows the wall clock should NTP move it), or
   * null before the pipeline plays.
   */
  wallClockAtRunningZeroMs(): number | null;
  pauseRecording(paused: boolean): void;
  /**
   * Asks the uplink encoder for a keyframe now: a new connection starts on one, and
   * waiting for the next of a 2 s GOP would keep the room off air that much longer.
   */
  requestUplinkKeyframe(): void;
  /**
   * Ends the pipeline cleanly: end-of-stream first, so the encoders and the recording's
   * last file write out what they hold, then stop. Gives up waiting after `timeoutMs`.
   */
  finish(timeoutMs: number): Promise<void>;
}

/** No preview frame (1 a second) for this long means the input has no signal. */
const NO_SIGNAL_AFTER_MS = 3000;

export function createCapture(options: CaptureOptions): Capture {
  const { gst, plan, send } = options;
  const pipeline = gst.parseLaunch(describeCapturePipeline(plan));
  const element = (name: string): GstElement => {
    const found = pipeline.getByName(name);
    if (!found) throw new Error(`pipeline has no element '${name}'`);
    return found;
  };
  const capture = element(CAPTURE_ELEMENT);
  const preview = element(ELEMENT.preview) as GstAppSink;
  const uplinkFeed = element(ELEMENT.uplinkFeed) as GstAppSink;
  const uplinkEncoder = element(ELEMENT.uplinkEncoder);
  const valves = [element(ELEMENT.recordVideoValve), element(ELEMENT.recordAudioValve)];
  const bus = pipeline.getBus();
  const types = gst.MessageType.ERROR | gst.MessageType.WARNING | gst.MessageType.ELEMENT |
    gst.MessageType.STATE_CHANGED | gst.MessageType.EOS;

  let lastFrameAt = 0;
  let lastInput = '';
  let lastInputAt = 0;
  let playing = false;

  const pollBus = () => {
    for (
      let message = bus.timedPopFiltered(0, types);
      message;
      message = bus.timedPopFiltered(0, types)
    ) {
      const type = message.type;
      if (type & gst.MessageType.ERROR) {
        const [error, debug] = message.parseError();
        options.onFatal(
          `${message.src?.name ?? 'pipeline'}: ${error.message}${
            debug ? ` (${firstLine(debug)})` : ''
          }`,
        );
        return;
      }
      if (type & gst.MessageType.EOS) {
        options.onFatal('the capture source ended');
        return;
      }
      if (type & gst.MessageType.WARNING) {
        const [warning] = message.parseWarning();
        send({
          type: 'warning',
          message: `${message.src?.name ?? 'pipeline'}: ${warning.message}`,
        });
        continue;
      }
      if (type & gst.MessageType.STATE_CHANGED) {
        if (message.src?.name !== pipeline.name || playing) continue;
        const [, state] = message.parseStateChanged();
        if (state === gst.State.PLAYING) {
          playing = true;
          const zero = wallClockAtRunningZeroMs() ?? Date.now();
          send({
            type: 'playing',
            startedAt: new Date(zero).toISOString(),
            clockEpoch: plan.clockEpoch,
          });
        }
        continue;
      }
      const text = message.getStructure()?.toString() ?? '';
      const levels = parseLevelMessage(text);
      if (levels) {
        send({ type: 'levels', levels });
        continue;
      }
      const location = parseFragmentOpened(text);
      if (location) send({ type: 'recordingFile', location });
    }
  };

  // The wall-clock time of running time 0 (the first frame), read off the pipeline's
  // clock: the PLAYING message is only seen on the next bus poll, and the uplink asks on
  // every new connection.
  const wallClockAtRunningZeroMs = (): number | null => {
    const clock = pipeline.getClock();
    if (!clock) return null;
    const runningNs = Number(BigInt(clock.getTime()) - BigInt(pipeline.getBaseTime()));
    return Date.now() - runningNs / 1e6;
  };

  const pollPreview = () => {
    const sample = preview.tryPullSample(0);
    const buffer = sample?.getBuffer();
    if (!buffer) return;
    lastFrameAt = Date.now();
    const bytes = buffer.extractDup(0, Number(buffer.getSize()));
    send({
      type: 'preview',
      jpegBase64: Buffer.from(bytes as Uint8Array).toString('base64'),
      at: new Date().toISOString(),
    });
  };

  const pollInput = () => {
    const now = Date.now();
    // DeckLink says outright whether the SDI/HDMI input carries a signal.
    const signal = 'signal' in capture ? capture.signal !== false : true;
    const present = playing && signal && now - lastFrameAt < NO_SIGNAL_AFTER_MS;
    const caps = capture.getStaticPad('src')?.getCurrentCaps()?.toString() ?? '';
    const described = describeVideoCaps(caps);
    const format = described && plan.source.kind === 'test'
      ? `test pattern ${described}`
      : described;
    const key = `${present}|${format}`;
    if (key === lastInput && now - lastInputAt < 1000) return;
    lastInput = key;
    lastInputAt = now;
    send({ type: 'input', present, format });
  };

  // Ready to go (devices opened, plugins loaded) before the moment PLAYING is asked for:
  // that moment becomes running time 0, which the test pattern's clock counts from.
  pipeline.setState(gst.State.PAUSED);

  return {
    play() {
      pipeline.setState(gst.State.PLAYING);
    },
    poll() {
      pollBus();
      pollPreview();
      pollInput();
    },
    pullUplinkTag: () => uplinkFeed.tryPullSample(0),
    wallClockAtRunningZeroMs: () => (playing ? wallClockAtRunningZeroMs() : null),
    requestUplinkKeyframe() {
      uplinkEncoder.sendEvent(gst.forceKeyUnitEvent());
    },
    pauseRecording(paused) {
      for (const valve of valves) valve.drop = paused;
    },
    async finish(timeoutMs) {
      pipeline.sendEvent(gst.newEosEvent());
      const deadline = Date.now() + timeoutMs;
      const done = gst.MessageType.EOS | gst.MessageType.ERROR;
      while (Date.now() < deadline && !bus.timedPopFiltered(0, done)) {
        // An appsink posts its end-of-stream only once every sample was taken out.
        while (preview.tryPullSample(0) || uplinkFeed.tryPullSample(0));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      pipeline.setState(gst.State.NULL);
    },
  };
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 200);
}
