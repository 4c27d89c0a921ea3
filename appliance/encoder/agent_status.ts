// The agent's own view of itself, as `GET /status` on its loopback port answers it: what the
// box's watchdog needs to judge the ladders from outside (which rooms are live, where
// their playlists are, which ffmpeg to kill when one is stuck). A process boundary, so the
// watchdog validates it like any other input.
import { z } from 'zod';
import { roomIdSchema } from '../../core/wire/contracts.ts';

const pid = z.number().int().positive();

export const agentStatusSchema = z.object({
  pid,
  /** The public HLS tree: `<hlsRoot>/<room>/<rendition>/index.m3u8`. */
  hlsRoot: z.string().startsWith('/'),
  segmentSeconds: z.number().positive(),
  rooms: z.array(z.object({
    room: roomIdSchema,
    state: z.enum(['live', 'idle', 'ended']),
    /** When the room last went live, ms since the epoch; null unless live. */
    liveSince: z.number().nullable(),
    /** The running ffmpeg, or null between runs (it restarts within 2 s). */
    ffmpegPid: pid.nullable(),
    /** When that ffmpeg started, ms since the epoch. */
    runStartedAt: z.number().nullable(),
    /** The renditions that ffmpeg writes. */
    renditions: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/)).max(16),
  })).max(1000),
});
export type AgentStatus = z.infer<typeof agentStatusSchema>;
