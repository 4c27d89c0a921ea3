// ffmpeg's `-progress pipe:1` output: blocks of `key=value` lines, each ending in
// `progress=continue` (or `progress=end` as ffmpeg finishes), about twice a second. The
// agent wants the speed (below 1x the room falls behind live and must be restarted or given
// fewer rungs) and whether output time still advances (a stalled input keeps ffmpeg alive
// but frozen).

export interface ProgressBlock {
  /** Encoding speed relative to real time (1 = keeping up); null until ffmpeg knows. */
  speed: number | null;
  /** Output time written so far, in seconds; null until the first packet. */
  outTimeSeconds: number | null;
  /** Video frames written so far (of the first video output); null without video. */
  frame: number | null;
  /** Frames per second ffmpeg is processing; null when it does not say. */
  fps: number | null;
  /** True for the last block (`progress=end`). */
  end: boolean;
}

function finiteOrNull(text: string | undefined): number | null {
  if (text === undefined) return null;
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'N/A') return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

/** `HH:MM:SS.micro` (ffmpeg's out_time), null for N/A or a negative time. */
function clockSeconds(text: string | undefined): number | null {
  const match = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text?.trim() ?? '');
  if (!match) return null;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/** One block's fields (the lines between two `progress=` lines) as numbers. */
export function parseProgressBlock(fields: ReadonlyMap<string, string>): ProgressBlock {
  // `speed=   1x` is printed with %4.3g, so it may carry padding; N/A before any output.
  const speedText = fields.get('speed')?.trim();
  const speed = speedText?.endsWith('x') ? finiteOrNull(speedText.slice(0, -1)) : null;
  // out_time_ms is microseconds too (an old ffmpeg misnomer kept for compatibility).
  // Before the first packet ffmpeg prints INT64_MIN here, hence the sign check.
  const micros = finiteOrNull(fields.get('out_time_us')) ?? finiteOrNull(fields.get('out_time_ms'));
  let outTimeSeconds = micros !== null ? micros / 1_000_000 : clockSeconds(fields.get('out_time'));
  if (outTimeSeconds !== null && outTimeSeconds < 0) outTimeSeconds = null;
  return {
    speed: speed !== null && speed >= 0 ? speed : null,
    outTimeSeconds,
    frame: finiteOrNull(fields.get('frame')),
    fps: finiteOrNull(fields.get('fps')),
    end: fields.get('progress')?.trim() === 'end',
  };
}

export interface ProgressParser {
  /** Feeds stdout as it arrives; chunks may split lines anywhere. */
  push(chunk: string): void;
}

/** Calls `onBlock` once per complete block of ffmpeg's progress output. */
export function createProgressParser(onBlock: (block: ProgressBlock) => void): ProgressParser {
  let pending = '';
  let fields = new Map<string, string>();
  return {
    push(chunk) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      // A runaway line (not progress output at all) must not grow without bound.
      if (pending.length > 4096) pending = '';
      for (const raw of lines) {
        const line = raw.trim();
        const eq = line.indexOf('=');
        if (eq <= 0) continue;
        const key = line.slice(0, eq).trim();
        fields.set(key, line.slice(eq + 1));
        if (key === 'progress') {
          const block = parseProgressBlock(fields);
          fields = new Map();
          onBlock(block);
        }
      }
    },
  };
}
