// GStreamer through node-gtk's GObject-Introspection bindings, typed as far as the worker
// uses them. node-gtk has no TypeScript types; this facade keeps the `any` in one place.
import { createRequire } from 'node:module';

export interface GstStructure {
  toString(): string;
  getName(): string;
}
export interface GstCaps {
  toString(): string;
}
export interface GstPad {
  getCurrentCaps(): GstCaps | null;
}
export interface GstBuffer {
  pts: bigint | number;
  getSize(): bigint | number;
  hasFlags(flags: number): boolean;
  extractDup(offset: number, size: number): Uint8Array | number[];
}
export interface GstSample {
  getBuffer(): GstBuffer | null;
  getCaps(): GstCaps | null;
}
export interface GstMessage {
  type: number;
  src: { name: string } | null;
  getStructure(): GstStructure | null;
  parseError(): [{ message: string }, string | null];
  parseWarning(): [{ message: string }, string | null];
  parseStateChanged(): [number, number, number];
}
export interface GstBus {
  timedPopFiltered(timeout: number, types: number): GstMessage | null;
}
export interface GstElement {
  name: string;
  setState(state: number): number;
  getStaticPad(name: string): GstPad | null;
  getByName(name: string): GstElement | null;
  getBus(): GstBus;
  sendEvent(event: unknown): boolean;
  getClock(): { getTime(): bigint | number } | null;
  getBaseTime(): bigint | number;
  [property: string]: unknown;
}
export interface GstAppSink extends GstElement {
  tryPullSample(timeout: number): GstSample | null;
}
export interface GstAppSrc extends GstElement {
  setCaps(caps: GstCaps | null): void;
  pushBuffer(buffer: GstBuffer): number;
}

export interface Gst {
  parseLaunch(description: string): GstElement;
  version(): number[];
  State: { NULL: number; READY: number; PAUSED: number; PLAYING: number };
  MessageType: {
    ERROR: number;
    WARNING: number;
    EOS: number;
    ELEMENT: number;
    STATE_CHANGED: number;
  };
  BufferFlags: { DELTA_UNIT: number; HEADER: number };
  /** An upstream event asking an encoder for a keyframe now (GstVideo). */
  forceKeyUnitEvent(): unknown;
  newEosEvent(): unknown;
  /** A buffer holding a copy of `bytes` (for a tag the uplink writes itself). */
  newBuffer(bytes: Uint8Array): GstBuffer;
}

let loaded: Gst | undefined;

/** Loads and initialises GStreamer once per process. */
export function loadGst(): Gst {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  // deno-lint-ignore no-explicit-any
  const gi = require('node-gtk') as any;
  const gst = gi.require('Gst', '1.0');
  // appsink/appsrc methods (tryPullSample, pushBuffer) live in GstApp's typelib.
  gi.require('GstApp', '1.0');
  gst.init(null);
  // GstVideo only after init: loading it earlier trips GLib assertions.
  const gstVideo = gi.require('GstVideo', '1.0');
  gst.forceKeyUnitEvent = () =>
    gstVideo.videoEventNewUpstreamForceKeyUnit(gst.CLOCK_TIME_NONE, true, 0);
  gst.newEosEvent = () => gst.Event.newEos();
  gst.newBuffer = (bytes: Uint8Array) => gst.Buffer.newMemdup(bytes);
  loaded = gst as Gst;
  return loaded;
}
