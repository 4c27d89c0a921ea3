// What the watchdog checks on an encoder box, from outside the agent:
// - agent: its loopback `GET /status` answers (its event loop is alive); if not, three
//   rounds in a row, the unit is restarted. The agent supervises nginx and ffmpeg itself,
//   so a wedged agent is the one failure nothing else on the box can mend.
// - nginx: its `/health` answers (viewers' HLS and collectors' RTMP go through it).
// - room:<id>: for every live room, every rendition's public playlist on disk changed
//   within staleAfterTargetDurations segment durations. The agent already restarts an
//   ffmpeg that stalls for 3 durations; a room still stale is killed from here.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type AgentStatus, agentStatusSchema } from '../encoder/agent_status.ts';
import { getJson, getOk, type Systemctl } from './box_probes.ts';
import { restartUnitRemedy, stuckChild } from './remedies.ts';
import type { Finding, Inspection } from './watchdog.ts';

export const ENCODER_UNIT = 'roomcast-encoder.service';
/** Rounds in a row an unanswered agent or nginx is given before the unit is restarted. */
export const UNANSWERED_ROUNDS = 3;
/** A new ffmpeg run gets this long (plus one segment) before its playlists are judged. */
export const RUN_STARTUP_MS = 10_000;

export interface EncoderInspectionOptions {
  agentStatusUrl: string;
  nginxHealthUrl: string;
  staleAfterTargetDurations: number;
  systemctl: Systemctl;
  timeoutMs: number;
}

export function encoderInspection(options: EncoderInspectionOptions): Inspection {
  const restartUnit = () =>
    restartUnitRemedy({
      systemctl: options.systemctl,
      unit: ENCODER_UNIT,
      afterFailures: UNANSWERED_ROUNDS,
    });
  return async (now) => {
    const [agent, nginx] = await Promise.all([
      getJson(options.agentStatusUrl, agentStatusSchema, options.timeoutMs),
      getOk(options.nginxHealthUrl, options.timeoutMs),
    ]);
    const findings: Finding[] = [
      agent.ok ? { name: 'agent', ok: true, detail: `answers (pid ${agent.value.pid})` } : {
        name: 'agent',
        ok: false,
        detail: `the agent's status: ${agent.reason}`,
        remedy: restartUnit(),
      },
      nginx.ok ? { name: 'nginx', ok: true, detail: 'answers /health' } : {
        name: 'nginx',
        ok: false,
        detail: `nginx /health: ${nginx.reason}`,
        remedy: restartUnit(),
      },
    ];
    if (agent.ok) {
      for (const room of agent.value.rooms) {
        if (room.state === 'live') {
          findings.push(await inspectRoom(agent.value, room, now, options));
        }
      }
    }
    return findings;
  };
}

async function inspectRoom(
  agent: AgentStatus,
  room: AgentStatus['rooms'][number],
  now: number,
  options: EncoderInspectionOptions,
): Promise<Finding> {
  const name = `room:${room.room}`;
  const limitMs = options.staleAfterTargetDurations * agent.segmentSeconds * 1000;
  // A run (or a room) that just started is given time for its first segment; once it has
  // written one, its own segments are the measure.
  const startedAt = room.runStartedAt ?? room.liveSince ?? 0;
  const allowedFrom = startedAt + RUN_STARTUP_MS + agent.segmentSeconds * 1000;
  const stale: string[] = [];
  for (const rendition of room.renditions) {
    const playlist = join(agent.hlsRoot, room.room, rendition, 'index.m3u8');
    const written = await stat(playlist).then((s) => s.mtimeMs, () => 0);
    const ageMs = now - (written > startedAt ? written : Math.max(written, allowedFrom));
    if (ageMs > limitMs) {
      stale.push(
        written ? `${rendition} ${(ageMs / 1000).toFixed(1)} s` : `${rendition} not written`,
      );
    }
  }
  if (!stale.length) {
    return {
      name,
      ok: true,
      // Between runs the agent is already starting a new ffmpeg (within 2 s); a ladder that
      // cannot start at all is in the agent's own errors, which its heartbeat carries.
      detail: room.ffmpegPid === null
        ? 'between ffmpeg runs'
        : `${room.renditions.length} rendition(s) fresh`,
    };
  }
  return stuckChild({
    name,
    detail: `no new segment: ${stale.join(', ')} (limit ${limitMs / 1000} s)`,
    pid: room.ffmpegPid,
    action: 'killed-ffmpeg',
    identity: { commandIncludes: 'ffmpeg', parentPid: agent.pid },
  });
}
