// The room's master playlist: one EXT-X-STREAM-INF per rendition, and the audio they
// share as one EXT-X-MEDIA audio group (the audio is encoded once, not once per rung).
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
  /** Plays the shared audio group (a video variant whose own segments carry no audio). */
  withAudioGroup?: boolean;
}

/** The shared audio: one EXT-X-MEDIA of TYPE=AUDIO. */
export interface MasterAudio {
  /** Relative to the master playlist, e.g. 'audio/index.m3u8'. */
  uri: string;
  /** RFC 6381, e.g. 'mp4a.40.2': added to the CODECS of every variant that plays it. */
  codecs: string[];
  channels: number;
}

/** The GROUP-ID every video variant names in its AUDIO attribute. */
export const AUDIO_GROUP_ID = 'audio';

/**
 * In a low-latency room master.m3u8 lists the LL playlists; this one the same renditions'
 * standard playlists (the same segments, no parts), for players and caches that want those.
 */
export const STANDARD_MASTER = 'master-standard.m3u8';

const SAFE_URI = /^[^\s"]+$/;
const SAFE_CODEC = /^[A-Za-z0-9.-]+$/;

const VIDEO_CODEC = /^(avc[13]|hvc1|hev1|dv[ha][1e]|vp0[89]|vp8|av01|mp4v)(\.|$)/;

export function renderMasterPlaylist(variants: MasterVariant[], audio?: MasterAudio): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  if (audio) {
    if (!SAFE_URI.test(audio.uri)) {
      throw new Error(
        `master playlist: the audio group has a bad uri ${JSON.stringify(audio.uri)}`,
      );
    }
    if (!audio.codecs.every((codec) => SAFE_CODEC.test(codec))) {
      throw new Error('master playlist: the audio group has a bad codec');
    }
    lines.push(
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${AUDIO_GROUP_ID}",NAME="audio",DEFAULT=YES,` +
        `AUTOSELECT=YES,CHANNELS="${Math.max(1, Math.round(audio.channels))}",URI="${audio.uri}"`,
    );
  }
  for (const variant of variants) {
    const fail = (why: string) => {
      throw new Error(`master playlist: variant ${JSON.stringify(variant.name)} ${why}`);
    };
    if (!(variant.bandwidth > 0) || !Number.isFinite(variant.bandwidth)) {
      fail(`has no usable bandwidth (${variant.bandwidth})`);
    }
    if (!SAFE_URI.test(variant.uri)) fail(`has a bad uri ${JSON.stringify(variant.uri)}`);
    for (const codec of variant.codecs) {
      if (!SAFE_CODEC.test(codec)) fail(`has a bad codec ${JSON.stringify(codec)}`);
    }
    if (variant.withAudioGroup && !audio) fail('plays an audio group the playlist does not have');
    // Audio-only is known from the codecs; with none known, trust the given dimensions.
    const audioOnly = variant.codecs.length > 0 &&
      !variant.codecs.some((codec) => VIDEO_CODEC.test(codec));
    const attributes = [`BANDWIDTH=${Math.ceil(variant.bandwidth)}`];
    if (variant.averageBandwidth !== undefined && variant.averageBandwidth > 0) {
      attributes.push(`AVERAGE-BANDWIDTH=${Math.ceil(variant.averageBandwidth)}`);
    }
    // A variant's CODECS names every format it plays, the audio group's too.
    const codecs = variant.withAudioGroup && variant.codecs.length > 0
      ? [...variant.codecs, ...audio!.codecs.filter((c) => !variant.codecs.includes(c))]
      : variant.codecs;
    if (codecs.length > 0) attributes.push(`CODECS="${codecs.join(',')}"`);
    if (!audioOnly && variant.width && variant.height) {
      attributes.push(`RESOLUTION=${Math.round(variant.width)}x${Math.round(variant.height)}`);
    }
    if (!audioOnly && variant.frameRate && variant.frameRate > 0) {
      attributes.push(`FRAME-RATE=${variant.frameRate.toFixed(3)}`);
    }
    if (variant.withAudioGroup) attributes.push(`AUDIO="${AUDIO_GROUP_ID}"`);
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, variant.uri);
  }
  return lines.join('\n') + '\n';
}
