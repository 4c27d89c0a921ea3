// `roomcast doctor`: does this machine have what its roles need? Every program, GStreamer
// element, ffmpeg component, nginx module, typelib and font of the catalogue, the ports
// the config listens on and the directories it writes; for whatever is missing, the
// Debian package and the command that installs it. scripts/setup.sh runs it last.
import { BOX_ROLES, type Role, ROLES } from '../../core/requirements/catalogue.ts';
import { needsOf } from '../../core/requirements/box_needs.ts';
import { formatReport, runDoctor } from '../../core/requirements/doctor.ts';
import { CliError, type Command } from '../command.ts';

/** `--role encoder,collector`; `all` is the three boxes. */
export function parseRoles(value: string | undefined): Role[] {
  const words = (value ?? 'all').split(',').map((word) => word.trim()).filter(Boolean);
  const roles = new Set<Role>();
  for (const word of words) {
    if (word === 'all') BOX_ROLES.forEach((role) => roles.add(role));
    else if ((ROLES as readonly string[]).includes(word)) roles.add(word as Role);
    else {
      throw new CliError(
        `--role takes ${[...ROLES, 'all'].join(', ')} (comma-separated), not '${word}'`,
        2,
      );
    }
  }
  if (roles.size === 0) throw new CliError('--role names no role', 2);
  return ROLES.filter((role) => roles.has(role));
}

export const doctorCommands: Command[] = [{
  name: 'doctor',
  summary: 'Check that this machine has every package, port and directory its roles need.',
  options: {
    role: {
      type: 'string',
      valueName: 'ROLES',
      description: `${
        [...BOX_ROLES, 'all'].join('|')
      }, or build, test; comma-separated (default all)`,
    },
    verbose: { type: 'boolean', description: 'list every check and what was found where' },
    'skip-ports': {
      type: 'boolean',
      description: 'do not try the ports (their services may be running)',
    },
  },
  details: 'Reads the config (--config / ROOMCAST_CONFIG) for the ports, directories and ' +
    'capture sources. Exits 1 when something is missing or a directory cannot be written; ' +
    'a port in use is a warning here (the service may be running), and fatal when ' +
    '`roomcast encoder` or `roomcast collector` runs the same checks at start.',
  async run(ctx) {
    const roles = parseRoles(ctx.options.role as string | undefined);
    const config = await ctx.config();
    const report = await runDoctor(needsOf(config, roles), {
      skipPorts: ctx.options['skip-ports'] === true,
    });
    ctx.out.result(report, () => formatReport(report, ctx.options.verbose === true));
    if (!report.ok) throw new CliError('some of what this machine needs is missing', 1);
  },
}];
