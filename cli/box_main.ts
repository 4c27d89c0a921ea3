// `roomcast box …` on its own: the commands `roomcast push` runs on every box over SSH
// load only what they need, not the edge, encoder and collector the full CLI brings in
// (seconds of start-up on a small box, at every push). bin/roomcast.js picks this entry
// for argv `box …`; cli/main.ts lists the same commands for --help.
import { CliError, commandHelp, createOutput, parseCommandArgs } from './command.ts';
import { boxCommands } from './commands/box.ts';

export async function main(
  argv: string[],
  io = { write: (t: string) => console.log(t), writeError: (t: string) => console.error(t) },
): Promise<number> {
  const json = argv.includes('--json');
  const out = createOutput(json, io.write, io.writeError);
  // Every box command is two words: `box session`.
  const command = boxCommands.find((c) => c.name === argv.slice(0, 2).join(' '));
  if (!command) {
    out.error(`unknown command; box commands: ${boxCommands.map((c) => c.name).join(', ')}`);
    return 2;
  }
  try {
    const { args, options } = parseCommandArgs(command, argv.slice(2));
    if (options.help) {
      io.write(commandHelp(command));
      return 0;
    }
    await command.run({
      args,
      options,
      json,
      out,
      config: () => Promise.reject(new CliError('box commands take no config', 2)),
      edge: () => Promise.reject(new CliError('box commands talk to no edge', 2)),
    });
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      out.error(error.message);
      return error.exitCode;
    }
    out.error(`unexpected failure: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
