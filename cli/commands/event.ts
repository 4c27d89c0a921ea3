// Commands that work from an event file (docs/event-file.md):
//   roomcast event apply FILE [--dry-run] [--secrets FILE]   the event and rooms on the edge
//   roomcast event render FILE --secrets FILE --out DIR     the per-box configs, locally
// The file is checked whole first; every problem is listed before anything is done.
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ApplyPlan,
  type ApplyResult,
  executePlan,
  type FieldChange,
  type ItemResult,
  type OperatorApi,
  planApply,
  readEdgeState,
} from '../../core/event/apply.ts';
import { EventFileError } from '../../core/event/errors.ts';
import { parseEventText } from '../../core/event/parse.ts';
import { type BoxConfig, renderBoxConfigs } from '../../core/event/render.ts';
import { checkSecretsFile, type EventSecrets } from '../../core/event/secrets.ts';
import type { EventSpec } from '../../core/event/spec.ts';
import { validateEventFile } from '../../core/event/validate.ts';
import { CliError, type Command, type CommandContext } from '../command.ts';
import { createEdgeClient, resolveEdgeTarget } from '../edge_client.ts';

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CliError(
      `${what} ${file} ${
        code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`
      }`,
      2,
    );
  }
}

/** The event file, checked; every problem is one line of the error. */
export async function readEventFile(file: string): Promise<EventSpec> {
  const text = await readText(file, 'event file');
  try {
    return validateEventFile(parseEventText(text, file), file);
  } catch (error) {
    if (error instanceof EventFileError) {
      throw new CliError(
        `invalid event file (${error.issues.length} problem(s)):\n${error.message}`,
        2,
      );
    }
    throw error;
  }
}

/** The secrets file, checked; a file others may read is worth a warning. */
export async function readSecretsFile(
  file: string,
  warn: (text: string) => void,
): Promise<EventSecrets> {
  const text = await readText(file, 'secrets file');
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) {
    warn(
      `warning: secrets file ${file} can be read by other users (mode ${
        (mode & 0o777).toString(8)
      }); chmod 600 ${file}`,
    );
  }
  try {
    return checkSecretsFile(parseEventText(text, file), file);
  } catch (error) {
    if (error instanceof EventFileError) {
      throw new CliError(`invalid secrets file:\n${error.message}`, 2);
    }
    throw error;
  }
}

/** `--secrets FILE`, as every command that renders box configs takes it. */
export const SECRETS_OPTION = {
  type: 'string',
  valueName: 'FILE',
  description: 'secrets file: node secrets and stream keys (required)',
} as const;

/** The event file and secrets file given on the command line, rendered into box configs. */
export async function renderEventForBoxes(
  eventFile: string,
  secretsFile: unknown,
  warn: (line: string) => void,
): Promise<{ spec: EventSpec; boxes: BoxConfig[] }> {
  if (typeof secretsFile !== 'string') throw new CliError('--secrets is required', 2);
  const spec = await readEventFile(eventFile);
  const secrets = await readSecretsFile(secretsFile, warn);
  try {
    return { spec, boxes: renderBoxConfigs(spec, secrets) };
  } catch (error) {
    if (error instanceof EventFileError) {
      throw new CliError(`the secrets file lacks what the boxes need:\n${error.message}`, 2);
    }
    throw error;
  }
}

/** The edge of the event (or --edge) with a token: ROOMCAST_TOKEN, adminToken, login. */
async function edgeFor(ctx: CommandContext, spec: EventSpec, secrets: EventSecrets | undefined) {
  const target = await resolveEdgeTarget(
    await ctx.config(),
    (ctx.options.edge as string | undefined) || spec.edgeUrl,
  );
  const token = process.env.ROOMCAST_TOKEN || secrets?.adminToken || target.token;
  return createEdgeClient({ url: target.url, token });
}

// ---------------------------------------------------------------------------------------
// Output of apply

const VERBS = {
  create: { planned: 'create', done: 'created' },
  update: { planned: 'update', done: 'updated' },
  unchanged: { planned: 'unchanged', done: 'unchanged' },
} as const;

function valueText(change: FieldChange, value: unknown): string {
  if (value === null || value === undefined) {
    // As the event file says it: no ladder is the encoder's, no pin is `encoder.host: assign`.
    return change.field === 'ladder'
      ? 'encoder default'
      : change.field === 'encoderNodeId'
      ? 'assign'
      : 'none';
  }
  if (change.field === 'ladder' && Array.isArray(value)) {
    return value.map((r) => (r as { name?: string }).name ?? '?').join(', ');
  }
  return JSON.stringify(value);
}

function changeText(change: FieldChange): string {
  if (change.field === 'chat') {
    // One line per room: each chat setting that changes, as the file names it.
    const from = change.from as Record<string, unknown>;
    return Object.entries(change.to as Record<string, unknown>)
      .map(([key, to]) => `chat.${key} ${JSON.stringify(from[key])} → ${JSON.stringify(to)}`)
      .join('; ');
  }
  return `${change.field} ${valueText(change, change.from)} → ${valueText(change, change.to)}`;
}

function itemLine(item: ItemResult, dryRun: boolean): string {
  // A refused or skipped item reads as the plan it was, followed by why it did not happen.
  const verb = VERBS[item.action][dryRun || item.error !== undefined ? 'planned' : 'done'];
  const what = item.action === 'update'
    ? `${verb}: ${item.changes.map(changeText).join('; ')}`
    : verb;
  const outcome = item.error === undefined
    ? ''
    : item.error.startsWith('skipped')
    ? ` (${item.error})`
    : ` — FAILED, the edge said: ${item.error}`;
  return `${item.kind} ${item.id}: ${what}${outcome}`;
}

/** The report of an apply (or of a dry run's plan), in the order the items were handled. */
export function applyReport(
  result: ApplyResult,
  options: { edge: string; dryRun: boolean },
): string {
  const lines = [
    options.dryRun
      ? `dry run against ${options.edge}: nothing was changed; a real run would do this:`
      : `applied to ${options.edge}:`,
    itemLine(result.event, options.dryRun),
    ...result.rooms.map((room) => itemLine(room, options.dryRun)),
    ...result.leftAlone.map((room) => `room ${room.id}: not in the file; left alone`),
  ];
  const keys = result.rooms.filter((room) => room.streamKey);
  if (keys.length) {
    lines.push(
      '',
      'stream keys of the new rooms (shown only now; put each in the secrets file as ' +
        'rooms.<room>.streamKey):',
      ...keys.map((room) => `  ${room.id}: ${room.streamKey!.key}`),
    );
  }
  return lines.join('\n');
}

/** A plan as the result of a run that did nothing: what a dry run reports. */
function asDryRun(plan: ApplyPlan): ApplyResult {
  return {
    event: { ...plan.event, done: false },
    rooms: plan.rooms.map((room) => ({ ...room, done: false })),
    leftAlone: plan.leftAlone,
    warnings: plan.warnings,
    failed: false,
  };
}

/** Reads the edge, plans, and (unless dryRun) carries the plan out. */
export async function applyEvent(
  spec: EventSpec,
  api: OperatorApi,
  options: { dryRun: boolean },
): Promise<ApplyResult> {
  const plan = planApply(spec, await readEdgeState(api, spec));
  return options.dryRun ? asDryRun(plan) : await executePlan(spec, plan, api);
}

// ---------------------------------------------------------------------------------------
// Commands

export const eventCommands: Command[] = [
  {
    name: 'event apply',
    summary: 'Create or update an event and its rooms on the edge from an event file (idempotent).',
    usage: 'FILE',
    arity: 1,
    options: {
      'dry-run': { type: 'boolean', description: 'print what would change; change nothing' },
      secrets: {
        type: 'string',
        valueName: 'FILE',
        description: 'secrets file; only its adminToken is used here',
      },
    },
    details: "Sets the event title and times, and each room's title, event, ladder and encoder " +
      'pin (the nodeId of its encoder.host; none for assign). A pin to an encoder the edge ' +
      'does not have yet is left off, with a warning, until `roomcast node add` adds it. Rooms ' +
      'of the event missing from the file are reported, never deleted. The edge is edge.url of ' +
      'the file unless --edge is given; the token is $ROOMCAST_TOKEN, else adminToken of ' +
      "--secrets, else a saved login (or the local edge's admin token). A new room's stream " +
      'key is printed once.',
    async run(ctx) {
      const spec = await readEventFile(ctx.args[0]!);
      const secrets = typeof ctx.options.secrets === 'string'
        ? await readSecretsFile(ctx.options.secrets, ctx.out.error)
        : undefined;
      const edge = await edgeFor(ctx, spec, secrets);
      const dryRun = ctx.options['dry-run'] === true;
      const result = await applyEvent(spec, edge, { dryRun });
      // On stderr, so the report stays the plan or what was done.
      for (const warning of result.warnings) ctx.out.error(`warning: ${warning}`);
      ctx.out.result(
        { edge: edge.url, dryRun, ...result },
        () => applyReport(result, { edge: edge.url, dryRun }),
      );
      if (result.failed) {
        throw new CliError('the edge refused some changes (see above); fix them and run again');
      }
    },
  },
  {
    name: 'event render',
    summary: 'Write the config files of every box of an event into a directory, to inspect.',
    usage: 'FILE',
    arity: 1,
    options: {
      secrets: SECRETS_OPTION,
      out: {
        type: 'string',
        valueName: 'DIR',
        description: 'directory to write <host>/<file> into (required)',
      },
    },
    details: 'Writes what `roomcast push` will copy to each box: <host>/collector.yaml and ' +
      '.env, or <host>/encoder.yaml and .env. The .env files hold secrets (mode 0600).',
    async run(ctx) {
      const { out } = ctx.options;
      if (typeof out !== 'string') throw new CliError('--out is required', 2);
      const { spec, boxes } = await renderEventForBoxes(
        ctx.args[0]!,
        ctx.options.secrets,
        ctx.out.error,
      );
      // 0700: the env files inside hold secrets.
      await mkdir(out, { recursive: true, mode: 0o700 });
      const before = await readdir(out);
      for (const box of boxes) {
        await mkdir(join(out, box.host), { recursive: true, mode: 0o700 });
        for (const file of box.files) {
          const path = join(out, box.host, file.path);
          await writeFile(path, file.content, { mode: file.mode });
          await chmod(path, file.mode); // writeFile's mode applies only to a new file
        }
      }
      const stale = before.filter((name) => !boxes.some((box) => box.host === name));
      const width = Math.max(...boxes.map((box) => box.host.length + 1));
      ctx.out.result(
        {
          out,
          boxes: boxes.map(({ host, kind, rooms, files }) => ({
            host,
            kind,
            rooms,
            files: files.map(({ path, mode }) => ({ path, mode: mode.toString(8) })),
          })),
          notFromThisRender: stale,
        },
        () =>
          [
            `rendered ${spec.event.id} into ${out}:`,
            ...boxes.map((box) =>
              `  ${`${box.host}/`.padEnd(width)}  ${box.kind}${
                box.rooms.length ? ` (${box.rooms.join(', ')})` : ''
              }: ${box.files.map((f) => f.path).join(', ')}`
            ),
            ...(stale.length
              ? [`${out} also holds ${stale.join(', ')}, not from this render`]
              : []),
          ].join('\n'),
      );
    },
  },
];
