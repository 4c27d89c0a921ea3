// On the box: one new config, from staging to a healthy unit or back to the old config.
//
//   stage → the box's own checks (refused: the staged files go, nothing else changed)
//         → switch (one rename) → restart the unit → healthy?
//         → no: switch back, restart again, and say so.
//
// Healthy means what systemd means by it for our Type=notify units: `systemctl restart`
// returns only once the process sent READY=1 (it really works: pipeline playing, nginx
// accepting), and `systemctl is-active` still says `active` after the settle time.
import {
  type ApplyRequest,
  type ApplyResult,
  type ApplyStep,
  unitOf,
  watchdogUnitOf,
} from '../../core/push/protocol.ts';
import type { Before, BoxStore, Staged } from './box_store.ts';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface BoxApplyDeps {
  store: BoxStore;
  /** The box's own checks of a staged directory: null when fine, else why not. */
  validate(stagedDir: string): Promise<string | null>;
  /** Runs `systemctl ARGS…` (argv array). */
  systemctl(args: string[]): Promise<CommandResult>;
  step(step: ApplyStep): void;
  sleep?(ms: number): Promise<void>;
}

type Health = { ok: true; status: string } | { ok: false; reason: string; status: string };

const firstLine = (text: string) => text.split('\n').map((line) => line.trim()).find(Boolean) ?? '';

export async function applyConfig(request: ApplyRequest, deps: BoxApplyDeps): Promise<ApplyResult> {
  const { store, systemctl, step } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const unit = unitOf(store.kind);
  let restarts = 0;

  const statusText = async () =>
    firstLine((await systemctl(['show', '--property=StatusText', '--value', unit])).stdout);
  const isActive = async () =>
    firstLine((await systemctl(['is-active', unit])).stdout) || 'unknown';

  const restartAndCheck = async (): Promise<Health> => {
    // A unit that hit its start limit (ten fast failures) refuses every start until reset.
    await systemctl(['reset-failed', unit]);
    restarts++;
    const restart = await systemctl(['restart', unit]);
    if (restart.code !== 0) {
      const status = await statusText();
      const said = firstLine(restart.stderr) || `exit code ${restart.code}`;
      return {
        ok: false,
        status,
        reason: `systemctl restart ${unit} failed: ${said}${
          status ? ` (status: ${status})` : ''
        }; see journalctl -u ${unit}`,
      };
    }
    step('checking');
    let state = await isActive();
    if (state === 'active' && request.settleSeconds > 0) {
      await sleep(request.settleSeconds * 1000);
      state = await isActive();
    }
    const status = await statusText();
    if (state !== 'active') {
      return {
        ok: false,
        status,
        reason: `${unit} is ${state} after the restart${status ? ` (status: ${status})` : ''}; ` +
          `see journalctl -u ${unit}`,
      };
    }
    return { ok: true, status };
  };

  const unlock = await store.lock();
  let staged: Staged | undefined;
  let before: Before | undefined;
  try {
    step('staging');
    staged = await store.stage(request.files);
    step('validating');
    const problem = await deps.validate(staged.path);
    if (problem !== null) {
      await store.discard(staged);
      return { type: 'result', outcome: 'refused', reason: problem, restarts };
    }
    step('switching');
    before = await store.switchTo(staged);
    step('restarting');
    const health = await restartAndCheck();
    if (health.ok) {
      await store.prune();
      // The watchdog reads the same config (its limits, the ports it probes): it starts
      // again with it, if it runs. Its own health is not the push's to judge.
      await systemctl(['try-restart', watchdogUnitOf(store.kind)]);
      return {
        type: 'result',
        outcome: 'applied',
        status: health.status,
        current: staged.id,
        restarts,
      };
    }
    step('rollingBack');
    await store.restore(before, staged);
    if (before.current === null) {
      // Nothing to go back to: the box had no config before this push.
      await systemctl(['stop', unit]);
      return {
        type: 'result',
        outcome: 'rolledBack',
        reason: `${health.reason}; the box had no config before, so it has none again and ` +
          `${unit} is stopped`,
        current: null,
        restarts,
      };
    }
    const again = await restartAndCheck();
    return {
      type: 'result',
      outcome: 'rolledBack',
      reason: `${health.reason}; rolled back to the previous config (${before.current}), ${
        again.ok ? `${unit} is active again` : `but that does not start either: ${again.reason}`
      }`,
      status: again.status,
      current: before.current,
      restarts,
    };
  } catch (error) {
    const message = (error as Error).message;
    if (staged && before) {
      // Switched, then something broke (a full disk, a killed systemctl): go back.
      try {
        await store.restore(before, staged);
        return {
          type: 'result',
          outcome: 'failed',
          reason: `${message}; the previous config is back in place${
            restarts ? ` (${unit} was restarted with the new one: check it)` : ''
          }`,
          current: before.current,
          restarts,
        };
      } catch (restoreError) {
        return {
          type: 'result',
          outcome: 'failed',
          reason: `${message}; putting the previous config back failed too: ${
            (restoreError as Error).message
          }`,
          restarts,
        };
      }
    }
    if (staged) await store.discard(staged).catch(() => {});
    return {
      type: 'result',
      outcome: 'failed',
      reason: `${message}; the config on the box was not changed`,
      restarts,
    };
  } finally {
    await unlock();
  }
}
