// The room's live MPEG-DASH manifest (ISO/IEC 23009-1, live profile) over the very CMAF
// segments the HLS playlists list: no second packaging. One Period per run (an ffmpeg
// start, or a spell of slate), since each run has its own init segment and its own media
// time; inside it a SegmentTemplate addresses the run's files by number
// (`<rendition>/<run>-$Number$.m4s`), with a SegmentTimeline giving each segment's exact
// decode time and length in the track's timescale. Pure: the caller reads the files.

export interface MpdTrack {
  /** The rendition name: Representation@id and the directory of its files. */
  id: string;
  kind: 'video' | 'audio';
  /** RFC 6381, from the init segment. */
  codecs: string;
  bandwidth: number;
  width?: number;
  height?: number;
  frameRate?: number;
  timescale: number;
  /** The run's init segment and media template, relative to the manifest. */
  initialization: string;
  media: string;
  /** Media time (timescale ticks) at the Period's start. */
  presentationTimeOffset: bigint;
  /** $Number$ of the first listed segment. */
  startNumber: number;
  /** Listed segments, in order: decode time and length in ticks. */
  segments: { t: bigint; d: bigint }[];
}

export interface MpdPeriod {
  id: string;
  /** Since availabilityStartTime. */
  startSeconds: number;
  tracks: MpdTrack[];
}

export interface MpdInput {
  /** Wall-clock time (ms) of media time zero of the first Period. */
  availabilityStartMs: number;
  publishMs: number;
  /** How far back a player may seek (the DVR window). */
  timeShiftBufferDepthSeconds: number;
  minimumUpdatePeriodSeconds: number;
  suggestedPresentationDelaySeconds: number;
  maxSegmentSeconds: number;
  minBufferSeconds: number;
  periods: MpdPeriod[];
  /** The event is over (or the publisher did not come back): no more updates. */
  ended: boolean;
}

const seconds = (value: number) => `PT${Math.max(0, Math.round(value * 1000) / 1000)}S`;
const iso = (ms: number) => new Date(ms).toISOString();

/** XML attribute value: names here are plain, but nothing unescaped gets out. */
function attr(value: string | number | bigint): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function attributes(pairs: Record<string, string | number | bigint | undefined>): string {
  return Object.entries(pairs)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}="${attr(value!)}"`)
    .join('');
}

/** `<S>` entries: a run of equal, back-to-back segments as one with a repeat count. */
function timeline(segments: MpdTrack['segments']): string[] {
  const lines: string[] = [];
  let i = 0;
  while (i < segments.length) {
    const first = segments[i]!;
    let repeat = 0;
    while (
      i + repeat + 1 < segments.length &&
      segments[i + repeat + 1]!.d === first.d &&
      segments[i + repeat + 1]!.t === first.t + first.d * BigInt(repeat + 1)
    ) repeat++;
    lines.push(`<S${attributes({ t: first.t, d: first.d, r: repeat || undefined })}/>`);
    i += repeat + 1;
  }
  return lines;
}

/** The codec family a player can switch within: avc1, vp09, mp4a… */
const family = (track: MpdTrack) => `${track.kind}:${track.codecs.split('.')[0]}`;

function adaptationSets(period: MpdPeriod): string[] {
  const groups = new Map<string, MpdTrack[]>();
  for (const track of period.tracks) {
    if (!track.segments.length) continue;
    groups.set(family(track), [...(groups.get(family(track)) ?? []), track]);
  }
  const lines: string[] = [];
  let id = 0;
  for (const tracks of groups.values()) {
    const kind = tracks[0]!.kind;
    lines.push(
      `    <AdaptationSet${
        attributes({
          id: id++,
          contentType: kind,
          mimeType: `${kind}/mp4`,
          segmentAlignment: 'true',
          startWithSAP: 1,
        })
      }>`,
    );
    for (const track of tracks) {
      lines.push(
        `      <Representation${
          attributes({
            id: track.id,
            codecs: track.codecs,
            bandwidth: Math.ceil(track.bandwidth),
            width: track.width,
            height: track.height,
            frameRate: track.frameRate === undefined
              ? undefined
              : Math.round(track.frameRate * 1000) / 1000,
            audioSamplingRate: kind === 'audio' ? 48000 : undefined,
          })
        }>`,
        `        <SegmentTemplate${
          attributes({
            timescale: track.timescale,
            presentationTimeOffset: track.presentationTimeOffset,
            startNumber: track.startNumber,
            initialization: track.initialization,
            media: track.media,
          })
        }>`,
        '          <SegmentTimeline>',
        ...timeline(track.segments).map((s) => `            ${s}`),
        '          </SegmentTimeline>',
        '        </SegmentTemplate>',
        '      </Representation>',
      );
    }
    lines.push('    </AdaptationSet>');
  }
  return lines;
}

export function renderMpd(input: MpdInput): string {
  const live = input.ended ? {} : {
    minimumUpdatePeriod: seconds(input.minimumUpdatePeriodSeconds),
  };
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD${
      attributes({
        xmlns: 'urn:mpeg:dash:schema:mpd:2011',
        profiles: 'urn:mpeg:dash:profile:isoff-live:2011',
        type: 'dynamic',
        availabilityStartTime: iso(input.availabilityStartMs),
        publishTime: iso(input.publishMs),
        ...live,
        timeShiftBufferDepth: seconds(input.timeShiftBufferDepthSeconds),
        suggestedPresentationDelay: seconds(input.suggestedPresentationDelaySeconds),
        maxSegmentDuration: seconds(input.maxSegmentSeconds),
        minBufferTime: seconds(input.minBufferSeconds),
      })
    }>`,
  ];
  for (const period of input.periods) {
    lines.push(
      `  <Period${attributes({ id: period.id, start: seconds(period.startSeconds) })}>`,
      ...adaptationSets(period),
      '  </Period>',
    );
  }
  lines.push('</MPD>', '');
  return lines.join('\n');
}
