// `roomcast`: one command for operators and for starting every process.
//   roomcast edge | redis-bridge | encoder | collector | watchdog | demo | config check | admin bootstrap
//   roomcast doctor (what this machine is missing)
//   roomcast login | room … | key … | event … | node … | account … | push
//   roomcast box session (what push runs on each box; bin/roomcast.js starts it lean)
import { ConfigError, loadConfig } from '../core/config/load_file.ts';
import type { RoomcastConfig } from '../core/config/schema.ts';
import { SOFTWARE_VERSION } from '../core/version.ts';
import { CliError, type Command, commandHelp, createOutput, parseCommandArgs } from './command.ts';
import { boxCommands } from './commands/box.ts';
import { doctorCommands } from './commands/doctor.ts';
import { eventCommands } from './commands/event.ts';
import { operatorCommands } from './commands/operator.ts';
import { processCommands } from './commands/processes.ts';
import { pushCommands } from './commands/push.ts';
import { createEdgeClient, type EdgeClient, resolveEdgeTarget } from './edge_client.ts';

export const COMMANDS: Command[] = [
  ...processCommands,
  ...doctorCommands,
  ...operatorCommands,
  ...eventCommands,
  ...pushCommands,
  ...boxCommands,
];

/** The command whose words start argv: the longest match wins (`room create` over `room`). */
function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  const words = argv.filter((arg, i) =>
    !arg.startsWith('-') && argv.slice(0, i).every((a) => !a.startsWith('-'))
  );
  for (let length = Math.min(words.length, 3); length > 0; length--) {
    const name = words.slice(0, length).join(' ');
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(length) };
  }
  return null;
}

export function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `roomcast ${SOFTWARE_VERSION}: multi-room live event streaming`,
    '',
    'usage: roomcast <command> [arguments] [--json] [--help]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command has --help. Config: --config FILE or ROOMCAST_CONFIG, and ROOMCAST_* variables.',
  ].join('\n');
}

export async function main(
  argv: string[],
  io = { write: (t: string) => console.log(t), writeError: (t: string) => console.error(t) },
): Promise<number> {
  const json = argv.includes('--json');
  const out = createOutput(json, io.write, io.writeError);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help' || argv[0] === '-h') {
    io.write(overview());
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === 'version') {
    io.write(SOFTWARE_VERSION);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    out.error(
      `unknown command '${
        argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')
      }'\n\n${overview()}`,
    );
    return 2;
  }
  const { command, rest } = found;
  try {
    const { args, options } = parseCommandArgs(command, rest);
    if (options.help) {
      io.write(commandHelp(command));
      return 0;
    }
    let config: Promise<RoomcastConfig> | undefined;
    const loadOnce = () => (config ??= loadConfig({ file: options.config as string | undefined }));
    let client: Promise<EdgeClient> | undefined;
    await command.run({
      args,
      options,
      json,
      out,
      config: loadOnce,
      edge: () => (client ??= loadOnce().then(async (c) =>
        createEdgeClient(await resolveEdgeTarget(c, options.edge as string | undefined))
      )),
    });
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      out.error(error.message);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      out.error(`invalid config:\n${error.message}`);
      return 2;
    }
    out.error(`unexpected failure: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
