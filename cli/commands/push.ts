// `roomcast push FILE --secrets F [--rooms a,b] [--dry-run] [--diff]`: every box of an
// event gets its rendered config over SSH, checked on the box before it is switched in,
// and rolled back by the box itself when the restarted unit is not healthy (docs/push.md).
import process from 'node:process';
import type { BoxConfig } from '../../core/event/render.ts';
import { createProgress } from '../../provisioning/push/progress.ts';
import { pushBoxes, type PushTarget } from '../../provisioning/push/push.ts';
import { summarize, summaryText } from '../../provisioning/push/report.ts';
import { openSshSession } from '../../provisioning/push/session.ts';
import {
  DEFAULT_BOX_ROOMCAST,
  parseBoxRoomcast,
  remoteCommand,
  remoteDirFor,
  sshArgv,
} from '../../provisioning/push/ssh.ts';
import { CliError, type Command } from '../command.ts';
import { renderEventForBoxes, SECRETS_OPTION } from './event.ts';

/** The boxes of the rooms asked for (`--rooms a,b`), or all of them. */
export function selectBoxes(boxes: BoxConfig[], rooms: string | undefined): BoxConfig[] {
  if (rooms === undefined) return boxes;
  const wanted = rooms.split(',').map((room) => room.trim()).filter(Boolean);
  const known = new Set(boxes.flatMap((box) => box.rooms));
  const unknown = wanted.filter((room) => !known.has(room));
  if (wanted.length === 0 || unknown.length) {
    throw new CliError(
      `--rooms: ${unknown.length ? `no box serves ${unknown.join(', ')}` : 'no room given'} ` +
        `(rooms with boxes: ${[...known].sort().join(', ')})`,
      2,
    );
  }
  return boxes.filter((box) => box.rooms.some((room) => wanted.includes(room)));
}

function settleSeconds(value: string | boolean | undefined): number {
  if (value === undefined) return 3;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 300) {
    throw new CliError('--settle must be a whole number of seconds from 0 to 300', 2);
  }
  return seconds;
}

export const pushCommands: Command[] = [
  {
    name: 'push',
    summary: 'Push the config of every box of an event over SSH: diff, check on the box, ' +
      'switch, restart, roll back on failure.',
    usage: 'FILE',
    arity: 1,
    options: {
      secrets: SECRETS_OPTION,
      rooms: {
        type: 'string',
        valueName: 'ROOMS',
        description: 'only the boxes of these rooms (comma-separated room ids)',
      },
      'dry-run': { type: 'boolean', description: 'read the boxes and compare; change nothing' },
      diff: { type: 'boolean', description: 'show a diff per box (secrets masked)' },
      'ssh-config': {
        type: 'string',
        valueName: 'FILE',
        description: 'ssh_config file for ssh -F (Host blocks, ProxyJump); default ~/.ssh/config',
      },
      'box-roomcast': {
        type: 'string',
        valueName: 'CMD',
        description: `how roomcast runs on the boxes (default '${DEFAULT_BOX_ROOMCAST.join(' ')}')`,
      },
      settle: {
        type: 'string',
        valueName: 'SECONDS',
        description: 'how long a restarted unit must stay active to count as healthy (default 3)',
      },
    },
    details: 'Per box, pusher.parallel at a time: reads what the box has, compares it with the ' +
      "rendered files, and if they differ copies them (through the SSH session's stdin, never a " +
      'command line), has the box check them with its own roomcast (and nginx -t on encoders), ' +
      'switches them in with one rename, restarts roomcast-<kind>.service and checks it is ' +
      'active; if not, the box switches back and restarts again. SSH: pusher.ssh.* of the ' +
      'config, strict host-key checking. Exit 1 when any box failed. See docs/push.md.',
    async run(ctx) {
      const { spec, boxes: rendered } = await renderEventForBoxes(
        ctx.args[0]!,
        ctx.options.secrets,
        ctx.out.error,
      );
      const boxes = selectBoxes(rendered, ctx.options.rooms as string | undefined);
      const settle = settleSeconds(ctx.options.settle);
      const { pusher } = await ctx.config();
      let boxRoomcast = DEFAULT_BOX_ROOMCAST;
      let targets: PushTarget[];
      try {
        if (typeof ctx.options['box-roomcast'] === 'string') {
          boxRoomcast = parseBoxRoomcast(ctx.options['box-roomcast']);
        }
        targets = boxes.map((box) => ({
          box,
          dir: remoteDirFor(pusher.remoteConfigDir, box.host),
        }));
      } catch (error) {
        throw new CliError((error as Error).message, 2);
      }
      const ssh = {
        ...pusher.ssh,
        configFile: typeof ctx.options['ssh-config'] === 'string' ? ctx.options['ssh-config'] : '',
      };
      const dryRun = ctx.options['dry-run'] === true;
      const live = !ctx.json && process.stdout.isTTY === true && targets.length > 1;
      const progress = createProgress({
        hosts: targets.map((target) => target.box.host),
        live,
        columns: process.stdout.columns,
        write: live ? (text) => process.stdout.write(text) : (text) => ctx.out.line(text.trimEnd()),
      });
      const reports = await pushBoxes({
        targets,
        parallel: pusher.parallel,
        dryRun,
        diff: ctx.options.diff === true,
        settleSeconds: settle,
        connect: ({ box, dir }) =>
          openSshSession(
            sshArgv(
              ssh,
              box.host,
              remoteCommand({ user: ssh.user, boxRoomcast, kind: box.kind, dir }),
            ),
          ),
        progress: progress.update,
      });
      progress.finish();
      const summary = summarize(spec.event.id, dryRun, reports);
      ctx.out.result(summary, () => summaryText(summary));
      if (summary.failed > 0) {
        throw new CliError(`${summary.failed} of ${reports.length} box(es) failed (see above)`);
      }
    },
  },
];
