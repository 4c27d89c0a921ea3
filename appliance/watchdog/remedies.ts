// The two things the watchdog does about a stuck part, least disruptive first: kill one
// stuck child whose parent starts a new one (a room's ffmpeg, the collector's pipeline
// worker), or restart the whole unit when the parent itself no longer answers.
import type { WatchdogAction } from '../../core/wire/contracts.ts';
import { isProcess, kill, type ProcessIdentity, type Systemctl } from './box_probes.ts';
import type { Finding, Remedy } from './watchdog.ts';

/** A new ffmpeg or worker needs a few seconds to prove itself; its check allows for that too. */
export const CHILD_SETTLE_MS = 10_000;
/** A unit restart takes up to its TimeoutStartSec; give it most of a minute before judging. */
export const UNIT_SETTLE_MS = 60_000;

export function killChildRemedy(options: {
  target: string;
  action: Extract<WatchdogAction['action'], 'killed-ffmpeg' | 'killed-worker'>;
  pid: number;
  identity: ProcessIdentity;
  settleMs?: number;
}): Remedy {
  return {
    target: options.target,
    action: options.action,
    afterFailures: 1,
    settleMs: options.settleMs ?? CHILD_SETTLE_MS,
    async apply() {
      // Between the look and the kill the pid may have ended and been given to another
      // process: kill only what is still the child we judged.
      if (!(await isProcess(options.pid, options.identity))) {
        return `pid ${options.pid} is no longer that process; nothing killed`;
      }
      kill(options.pid);
      return null;
    },
  };
}

/**
 * A failing check about a stuck child: its remedy is to kill it, so the check's name is the
 * target. Without a pid (between runs) there is nothing to kill; the check just fails.
 */
export function stuckChild(options: {
  name: string;
  detail: string;
  pid: number | null;
  action: Parameters<typeof killChildRemedy>[0]['action'];
  identity: ProcessIdentity;
}): Finding {
  const { name, detail, pid } = options;
  if (pid === null) return { name, ok: false, detail };
  return {
    name,
    ok: false,
    detail,
    remedy: killChildRemedy({
      target: name,
      action: options.action,
      pid,
      identity: options.identity,
    }),
  };
}

/** The box's unit name, without `.service`, is the target: `roomcast-encoder`. */
export function restartUnitRemedy(options: {
  systemctl: Systemctl;
  unit: string;
  afterFailures: number;
  settleMs?: number;
}): Remedy {
  const { systemctl, unit } = options;
  return {
    target: unit.replace(/\.service$/, ''),
    action: 'restarted-unit',
    afterFailures: options.afterFailures,
    settleMs: options.settleMs ?? UNIT_SETTLE_MS,
    async apply() {
      // Only a unit systemd believes is running is the watchdog's to restart: one that is
      // starting, stopping, stopped by an operator or failed is systemd's or a person's.
      const state = await systemctl.activeState(unit);
      if (state !== 'active') return `${unit} is ${state}: left to systemd`;
      await systemctl.restart(unit);
      return null;
    },
  };
}
