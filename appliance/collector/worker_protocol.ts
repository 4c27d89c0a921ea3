// Messages between the collector daemon and its pipeline worker (Node IPC). The worker
// holds GStreamer; the daemon holds every decision (when to connect, where, when to
// pause recording) and everything the crew and the edge see.
import type { CapturePlan } from './pipeline/describe.ts';
import type { ChannelLevel } from './status.ts';

/** Where the uplink pushes: RTMP host/port/application, and the key as stream name. */
export interface UplinkTarget {
  host: string;
  port: number;
  application: string;
  /** The stream key. Travels over IPC only; never logged, never in argv. */
  streamKey: string;
}

export type DaemonMessage =
  | { type: 'start'; plan: Omit<CapturePlan, 'clockEpoch'>; alignToSecond: boolean }
  | { type: 'connect'; attempt: number; target: UplinkTarget }
  | { type: 'disconnect'; attempt: number }
  | { type: 'recording'; paused: boolean }
  | { type: 'stop' };

/** rtmp2sink's counters plus what waits in the feed, for the daemon's live/stall checks. */
export interface UplinkCounters {
  attempt: number;
  outBytes: number;
  ackedBytes: number;
  inBytes: number;
  /** The acknowledgement window the server announced (bytes), 0 until known. */
  windowBytes: number;
}

export type WorkerMessage =
  | { type: 'playing'; startedAt: string; clockEpoch: string }
  | { type: 'levels'; levels: ChannelLevel[] }
  | { type: 'preview'; jpegBase64: string; at: string }
  | { type: 'input'; present: boolean; format: string | null }
  | { type: 'recordingFile'; location: string }
  | { type: 'uplinkCounters'; counters: UplinkCounters }
  | { type: 'uplinkError'; attempt: number; message: string }
  | { type: 'warning'; message: string }
  | { type: 'fatal'; message: string };
