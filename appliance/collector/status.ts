// What the collector knows about itself at this moment: the one shape the crew's status
// page shows, the edge heartbeat is cut from, and the tests read. The daemon owns it; the
// pipeline worker feeds it over IPC.
import type { CollectorHeartbeat } from '../../core/wire/contracts.ts';

export type UplinkState = CollectorHeartbeat['uplink']['state'];
export type CollectorState = CollectorHeartbeat['state'];

/** One channel's loudness (rms) and highest sample (peak) in dBFS; −200 = digital silence. */
export type ChannelLevel = CollectorHeartbeat['levels'][number];

export interface AudioWarnings {
  /** Every channel below the silence threshold for a few seconds: a muted mixer feed. */
  silence: boolean;
  /** A channel's peak at or above −0.5 dBFS within the last few seconds. */
  clipping: boolean;
  /**
   * How long every channel has been quiet (or the audio path dead), in whole seconds; 0
   * while there is sound. The edge's silence alarm compares it with its own threshold.
   */
  silentSeconds: number;
}

export interface CollectorStatus {
  nodeId: string;
  room: string;
  /** Same vocabulary as the heartbeat: starting, live, reconnecting, offline, error. */
  state: CollectorState;
  /** ON AIR when the encoder is taking our stream. */
  onAir: boolean;
  worker: {
    /** running = pipeline playing; restarting = it died and the daemon starts a new one. */
    state: 'starting' | 'running' | 'restarting' | 'stopped';
    pid: number | null;
    restarts: number;
    /** The last reason the pipeline stopped, in operator words; null if it never did. */
    lastError: string | null;
    /**
     * When the worker last sent anything (ISO); null before its first message. A playing
     * worker speaks at least once a second (input state), with or without a signal: the
     * watchdog's proof that it is not stuck.
     */
    lastMessageAt: string | null;
  };
  input: {
    present: boolean;
    /** Like "1280x720 29.97p" or "test pattern 1280x720 30p"; null when unknown. */
    format: string | null;
  };
  audio: {
    levels: ChannelLevel[];
    warnings: AudioWarnings;
  };
  uplink: {
    state: UplinkState;
    bitrateKbps: number;
    reconnects: number;
    lastFailureAt: string | null;
    /** Why the uplink last failed, in operator words (never a key or a full URL). */
    lastFailure: string | null;
    /** Encoder node the edge assigned, or null while unknown. */
    encoderNodeId: string | null;
    /** Host and port pushed to (no path: the path ends in the stream key). */
    target: string | null;
  };
  recording: {
    active: boolean;
    dir: string;
    /** File being written now, relative to dir. */
    currentFile: string | null;
    /** When the current recording session started (ISO time). */
    startedAt: string | null;
    /** Seconds recorded in this session. */
    seconds: number;
    diskFreeMb: number;
    lowDisk: boolean;
    /** Recordings deleted by the rotation policy since the daemon started. */
    rotatedFiles: number;
  };
  preview: {
    /** When the preview JPEG (GET /preview.jpg) was last refreshed; null if never. */
    updatedAt: string | null;
  };
  /** Time this snapshot was taken (ISO). */
  at: string;
}
