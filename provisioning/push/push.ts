// `roomcast push`: the rendered configs of an event onto their boxes, a few boxes at a
// time. Per box: read what it has, compare, and only when something differs send the new
// files for the box to check, switch, restart and health-check itself (box_apply.ts). One
// box's failure is its own: it is reported and the others go on.
import { randomBytes } from 'node:crypto';
import type { BoxConfig } from '../../core/event/render.ts';
import { type ApplyStep, type BoxState, PUSH_PROTOCOL, sha256 } from '../../core/push/protocol.ts';
import { fileDiff } from './diff.ts';
import { type BoxLink, BoxLinkError } from './session.ts';

export interface PushTarget {
  box: BoxConfig;
  /** The config directory on the box (pusher.remoteConfigDir for this host). */
  dir: string;
}

export type Phase = 'waiting' | 'connecting' | 'diffing' | ApplyStep | 'done' | 'failed';

export interface FileChange {
  path: string;
  change: 'new' | 'changed' | 'mode' | 'unchanged';
}

export interface HostReport {
  host: string;
  kind: BoxConfig['kind'];
  rooms: string[];
  dir: string;
  /** changed: the box has the new config now (or would have, in a dry run). */
  outcome: 'changed' | 'unchanged' | 'failed';
  /** True when the box's config was switched and kept. */
  applied: boolean;
  rolledBack: boolean;
  restarts: number;
  files: FileChange[];
  /** Why it failed, in one line. */
  reason?: string;
  /** The unit's STATUS= line after the restart. */
  status?: string;
  /** The roomcast version on the box. */
  boxVersion?: string;
  /** With --diff: the unified diff of every file that differs (secrets masked). */
  diff?: string;
}

export interface PushOptions {
  targets: PushTarget[];
  parallel: number;
  dryRun: boolean;
  diff: boolean;
  settleSeconds: number;
  connect(target: PushTarget): BoxLink;
  progress?(host: string, phase: Phase, detail?: string): void;
}

function compare(target: PushTarget, state: BoxState): FileChange[] {
  return target.box.files.map((file) => {
    const have = state.files.find((f) => f.path === file.path);
    if (!have?.exists) return { path: file.path, change: 'new' };
    if (have.sha256 !== sha256(file.content)) return { path: file.path, change: 'changed' };
    return { path: file.path, change: have.mode === file.mode ? 'unchanged' : 'mode' };
  });
}

async function pushOne(target: PushTarget, options: PushOptions): Promise<HostReport> {
  const { box, dir } = target;
  const progress = (phase: Phase, detail?: string) => options.progress?.(box.host, phase, detail);
  const report: HostReport = {
    host: box.host,
    kind: box.kind,
    rooms: box.rooms,
    dir,
    outcome: 'failed',
    applied: false,
    rolledBack: false,
    restarts: 0,
    files: [],
  };
  const fail = (reason: string): HostReport => {
    progress('failed', reason);
    return { ...report, outcome: 'failed', reason };
  };

  progress('connecting');
  let link: BoxLink;
  try {
    link = options.connect(target);
  } catch (error) {
    return fail((error as Error).message);
  }
  try {
    const nonce = randomBytes(16).toString('hex');
    const state = await link.read(nonce);
    report.boxVersion = state.version;
    if (state.protocol !== PUSH_PROTOCOL) {
      return fail(
        `the box runs roomcast ${state.version}, which speaks push protocol ${state.protocol} ` +
          `(this pusher: ${PUSH_PROTOCOL}); update one of them`,
      );
    }
    progress('diffing');
    report.files = compare(target, state);
    if (options.diff) {
      report.diff = box.files.map((file) =>
        fileDiff(state.files.find((f) => f.path === file.path), file, {
          host: box.host,
          dir,
          nonce,
        })
      ).filter(Boolean).join('\n');
    }
    if (report.files.every((file) => file.change === 'unchanged')) {
      progress('done', 'unchanged');
      return { ...report, outcome: 'unchanged' };
    }
    if (options.dryRun) {
      progress('done', 'would change');
      return { ...report, outcome: 'changed' };
    }
    const result = await link.apply(
      {
        files: box.files.map(({ path, content, mode }) => ({ path, content, mode })),
        settleSeconds: options.settleSeconds,
      },
      (step) => progress(step),
    );
    report.restarts = result.restarts;
    if (result.status) report.status = result.status;
    switch (result.outcome) {
      case 'applied':
        progress('done', 'changed');
        return { ...report, outcome: 'changed', applied: true };
      case 'refused':
        return fail(`refused by the box's checks, its config is unchanged: ${result.reason}`);
      case 'rolledBack':
        report.rolledBack = true;
        return fail(`the new config failed: ${result.reason}`);
      default:
        return fail(result.reason ?? 'failed on the box');
    }
  } catch (error) {
    if (error instanceof BoxLinkError) return fail(error.message);
    throw error;
  } finally {
    await link.close();
  }
}

/** Pushes to every target, `parallel` at a time; reports in the order of `targets`. */
export async function pushBoxes(options: PushOptions): Promise<HostReport[]> {
  const reports: HostReport[] = new Array(options.targets.length);
  for (const target of options.targets) options.progress?.(target.box.host, 'waiting');
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < options.targets.length) {
      const index = nextIndex++;
      reports[index] = await pushOne(options.targets[index]!, options);
    }
  };
  const workers = Math.max(1, Math.min(options.parallel, options.targets.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return reports;
}
