// Probes every live room's output on a timer (output_probe.ts) and keeps what each room's
// probes add up to for the heartbeat. One probe at a time: on a busy box the monitor falls
// behind rather than piling ffmpegs up beside the ladders.
import { join } from 'node:path';
import type { Logger } from '../../core/log.ts';
import type { OutputProbe } from '../../core/wire/contracts.ts';
import { createOutputWatch, grabOutputFrame } from './output_probe.ts';

export interface OutputMonitorOptions {
  hlsRoot: string;
  intervalMs: number;
  ffmpegPath?: string;
  /** The rooms on air now and their video renditions, smallest first. */
  liveRooms(): { room: string; videoRenditions: string[] }[];
  log: Logger;
}

export function startOutputMonitor(options: OutputMonitorOptions) {
  const watches = new Map<string, ReturnType<typeof createOutputWatch>>();
  /** Rooms whose last probe failed, so a lasting failure is logged once, not each time. */
  const failing = new Set<string>();
  let busy = false;

  const probeAll = async () => {
    if (busy) return;
    busy = true;
    try {
      const live = options.liveRooms();
      for (const room of watches.keys()) {
        if (!live.some((l) => l.room === room)) watches.delete(room);
      }
      for (const { room, videoRenditions } of live) {
        try {
          const frame = await grabOutputFrame(
            join(options.hlsRoot, room),
            videoRenditions,
            options.ffmpegPath,
          );
          if (!frame) continue;
          let watch = watches.get(room);
          if (!watch) watches.set(room, watch = createOutputWatch());
          watch.observe(frame);
          failing.delete(room);
        } catch (error) {
          if (!failing.has(room)) {
            options.log.warn('could not look at the output', {
              room,
              reason: (error as Error).message.slice(0, 200),
            });
          }
          failing.add(room);
        }
      }
    } finally {
      busy = false;
    }
  };

  const timer = setInterval(() => void probeAll(), options.intervalMs);
  return {
    /** The room's output as the heartbeat carries it; the JPEG only within `maxJpegBase64`. */
    status(room: string, maxJpegBase64: number): OutputProbe | null {
      return watches.get(room)?.status(maxJpegBase64) ?? null;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
