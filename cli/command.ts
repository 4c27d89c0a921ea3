// The shape of a CLI command and the plumbing every command shares: parsing, help,
// output (human or --json), and errors that become a message and an exit code.
import { parseArgs } from 'node:util';
import type { RoomcastConfig } from '../core/config/schema.ts';
import type { EdgeClient } from './edge_client.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  /** Shown in help as `--name VALUE`. */
  valueName?: string;
}

export interface CommandContext {
  args: string[];
  options: Record<string, string | boolean | undefined>;
  json: boolean;
  out: Output;
  /** The validated config (--config / ROOMCAST_CONFIG, ROOMCAST_* env); loaded on first use. */
  config(): Promise<RoomcastConfig>;
  /** A client for the edge's operator API (--edge, token from env or saved login). */
  edge(): Promise<EdgeClient>;
}

export interface Command {
  /** Words that select it, e.g. `room create`. */
  name: string;
  summary: string;
  /** Positional arguments, e.g. `ROOM`. */
  usage?: string;
  /** How many positional arguments (exact, or [min, max]). */
  arity?: number | [number, number];
  options?: Record<string, OptionSpec>;
  /** Longer text for --help. */
  details?: string;
  run(ctx: CommandContext): Promise<void>;
}

export interface Output {
  /** A line for people (suppressed with --json). */
  line(text: string): void;
  /** The result: JSON with --json, else formatted by `human`. */
  result(value: unknown, human: () => string): void;
  error(text: string): void;
}

/** A failure the user can act on: printed without a stack, exits with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print machine-readable JSON' },
  help: { type: 'boolean', description: 'show help for the command' },
  config: {
    type: 'string',
    valueName: 'FILE',
    description: 'config file (YAML or JSON); default $ROOMCAST_CONFIG',
  },
  edge: {
    type: 'string',
    valueName: 'URL',
    description: 'edge base URL; default $ROOMCAST_EDGE_URL, else edge.publicUrl of the config',
  },
};

export function parseCommandArgs(command: Command, argv: string[]) {
  const specs = { ...GLOBAL_OPTIONS, ...command.options };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(specs).map(([name, spec]) => [name, { type: spec.type }]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message.split('\n')[0]}\n${commandHelp(command)}`, 2);
  }
  const [min, max] = Array.isArray(command.arity)
    ? command.arity
    : [command.arity ?? 0, command.arity ?? 0];
  if (!parsed.values.help && (parsed.positionals.length < min || parsed.positionals.length > max)) {
    throw new CliError(
      `roomcast ${command.name} takes ${min === max ? min : `${min} to ${max}`} argument(s)\n${
        commandHelp(command)
      }`,
      2,
    );
  }
  return {
    args: parsed.positionals,
    options: parsed.values as Record<string, string | boolean | undefined>,
  };
}

function optionLines(specs: Record<string, OptionSpec>): string[] {
  return Object.entries(specs).map(([name, spec]) => {
    const flag = `--${name}${spec.valueName ? ` ${spec.valueName}` : ''}`;
    return `  ${flag.padEnd(24)} ${spec.description}`;
  });
}

export function commandHelp(command: Command): string {
  return [
    `usage: roomcast ${command.name}${command.usage ? ` ${command.usage}` : ''} [options]`,
    '',
    command.summary,
    ...(command.details ? ['', command.details] : []),
    '',
    'options:',
    ...optionLines({ ...command.options, ...GLOBAL_OPTIONS }),
  ].join('\n');
}

export function createOutput(
  json: boolean,
  write = (text: string) => console.log(text),
  writeError = (text: string) => console.error(text),
): Output {
  return {
    line: (text) => {
      if (!json) write(text);
    },
    result: (value, human) => write(json ? JSON.stringify(value, null, 2) : human()),
    error: (text) =>
      writeError(json ? JSON.stringify({ error: { message: text } }) : `roomcast: ${text}`),
  };
}

/** A plain text table: columns padded to their widest cell. */
export function table(headers: string[], rows: (string | number | null)[][]): string {
  if (!rows.length) return '(none)';
  const cells = [
    headers,
    ...rows.map((row) => row.map((cell) => (cell === null ? '-' : String(cell)))),
  ];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd())
    .join('\n');
}
