// The room's master playlist: one EXT-X-STREAM-INF per rendition.
//
// Variants keep the order they are given (the ladder's order). hls.js sorts levels by
// bandwidth itself, but Apple's players start with the first variant listed, so which one
// comes first is the caller's choice of a start rendition, not something to sort away.
export { codecsFromInitSegment } from './init_segment.ts';

export interface MasterVariant {
  /** The rendition's name: only for error messages (NAME is not a STREAM-INF attribute). */
  name: string;
  /** Relative to the master playlist, e.g. '720p/index.m3u8'. */
  uri: string;
  /** Peak bits per second (rounded up). */
  bandwidth: number;
  averageBandwidth?: number;
  width?: number;
  height?: number;
  frameRate?: number;
  /** RFC 6381 strings, e.g. from codecsFromInitSegment; empty = CODECS left out. */
  codecs: string[];
}

const VIDEO_CODEC = /^(avc[13]|hvc1|hev1|dv[ha][1e]|vp0[89]|vp8|av01|mp4v)(\.|$)/;

export function renderMasterPlaylist(variants: MasterVariant[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const variant of variants) {
    const fail = (why: string) => {
      throw new Error(`master playlist: variant ${JSON.stringify(variant.name)} ${why}`);
    };
    if (!(variant.bandwidth > 0) || !Number.isFinite(variant.bandwidth)) {
      fail(`has no usable bandwidth (${variant.bandwidth})`);
    }
    if (!variant.uri || /[\s"]/.test(variant.uri)) {
      fail(`has a bad uri ${JSON.stringify(variant.uri)}`);
    }
    for (const codec of variant.codecs) {
      if (!/^[A-Za-z0-9.-]+$/.test(codec)) fail(`has a bad codec ${JSON.stringify(codec)}`);
    }
    // Audio-only is known from the codecs; with none known, trust the given dimensions.
    const audioOnly = variant.codecs.length > 0 &&
      !variant.codecs.some((codec) => VIDEO_CODEC.test(codec));
    const attributes = [`BANDWIDTH=${Math.ceil(variant.bandwidth)}`];
    if (variant.averageBandwidth !== undefined && variant.averageBandwidth > 0) {
      attributes.push(`AVERAGE-BANDWIDTH=${Math.ceil(variant.averageBandwidth)}`);
    }
    if (variant.codecs.length > 0) attributes.push(`CODECS="${variant.codecs.join(',')}"`);
    if (!audioOnly && variant.width && variant.height) {
      attributes.push(`RESOLUTION=${Math.round(variant.width)}x${Math.round(variant.height)}`);
    }
    if (!audioOnly && variant.frameRate && variant.frameRate > 0) {
      attributes.push(`FRAME-RATE=${variant.frameRate.toFixed(3)}`);
    }
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, variant.uri);
  }
  return lines.join('\n') + '\n';
}
