// `roomcast doctor` and the start checks of the boxes: every item of the catalogue that
// the asked-for roles need, looked up on the machine, plus the ports the processes will
// listen on and the directories they will write. Each problem is one line that names the
// fix; missing items add up to one `apt-get install` command.
import { mkdtemp, rmdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import {
  type CaptureKind,
  describeRequirement,
  type Requirement,
  requirementsFor,
  type Role,
} from './catalogue.ts';
import { localMachine, type Machine } from './machine.ts';

/** A port a process of the role will listen on, by its config key. */
export interface PortNeed {
  key: string;
  host: string;
  port: number;
}

/** A directory a process of the role will write, by its config key. */
export interface DirNeed {
  key: string;
  path: string;
}

export interface Needs {
  roles: readonly Role[];
  /** The capture sources configured; elements of other sources are not checked. */
  captures?: readonly CaptureKind[];
  ports: readonly PortNeed[];
  dirs: readonly DirNeed[];
}

export type CheckStatus = 'ok' | 'missing' | 'busy' | 'unwritable';

export interface Check {
  /** `GStreamer element timeoverlay`, `port 127.0.0.1:1935 (encoder.rtmp.port)`. */
  what: string;
  status: CheckStatus;
  /** Where it was found, or what is wrong. */
  detail: string;
  usedBy?: string;
  /** For a missing item: the Debian package that provides it. */
  package?: string;
}

export interface DoctorReport {
  roles: Role[];
  /** False when anything is missing or unwritable; busy ports are warnings. */
  ok: boolean;
  checks: Check[];
  /** The Debian packages that provide every missing item, sorted. */
  missingPackages: string[];
  /** The command that installs them, or null. */
  installCommand: string | null;
}

export interface DoctorOptions {
  machine?: Machine;
  /** Skip the ports (setup.sh: the services of this machine may be running). */
  skipPorts?: boolean;
}

export async function runDoctor(needs: Needs, options: DoctorOptions = {}): Promise<DoctorReport> {
  const machine = options.machine ?? localMachine();
  const items = requirementsFor(needs.roles).filter((r) =>
    r.kind !== 'gstElement' || !r.captures || !needs.captures ||
    r.captures.some((kind) => needs.captures!.includes(kind))
  );
  const checks: Check[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const what = describeRequirement(item);
    if (seen.has(what)) continue;
    seen.add(what);
    const found = await locate(item, machine);
    checks.push({
      what,
      status: found.ok ? 'ok' : 'missing',
      detail: found.detail,
      usedBy: item.usedBy,
      ...(found.ok ? {} : { package: item.package }),
    });
  }
  if (!options.skipPorts) {
    for (const need of needs.ports) {
      const problem = await listenProblem(need.host, need.port);
      checks.push({
        what: `port ${need.host}:${need.port} (${need.key})`,
        status: problem ? 'busy' : 'ok',
        detail: problem ?? 'free',
      });
    }
  }
  for (const need of needs.dirs) {
    const problem = await writeProblem(need.path);
    checks.push({
      what: `directory ${need.path} (${need.key})`,
      status: problem ? 'unwritable' : 'ok',
      detail: problem ?? 'writable',
    });
  }
  const missingPackages = [
    ...new Set(checks.flatMap((c) => (c.package ? [c.package] : []))),
  ].sort();
  return {
    roles: [...needs.roles],
    ok: checks.every((c) => c.status === 'ok' || c.status === 'busy'),
    checks,
    missingPackages,
    installCommand: missingPackages.length ? installCommand(missingPackages) : null,
  };
}

function installCommand(packages: readonly string[]): string {
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  return `${sudo}apt-get install --no-install-recommends ${packages.join(' ')}`;
}

async function locate(
  item: Requirement,
  machine: Machine,
): Promise<{ ok: boolean; detail: string }> {
  const at = (path: string | null, missing: string) =>
    path ? { ok: true, detail: path } : { ok: false, detail: missing };
  switch (item.kind) {
    case 'program':
      return at(
        await machine.findProgram(item.name, item.path),
        item.path ? `no executable ${item.path}` : `no ${item.name} on PATH`,
      );
    case 'gstElement': {
      const factories = await machine.gstFactories();
      if (!factories) return { ok: false, detail: 'not checked: gst-inspect-1.0 does not run' };
      return factories.has(item.name)
        ? { ok: true, detail: 'in the registry' }
        : { ok: false, detail: 'not in the GStreamer registry' };
    }
    case 'ffmpegComponent': {
      const names = await machine.ffmpegComponents(item.component);
      if (!names) return { ok: false, detail: 'not checked: ffmpeg does not run' };
      return names.has(item.name)
        ? { ok: true, detail: 'built in' }
        : { ok: false, detail: `this ffmpeg has no ${item.component} ${item.name}` };
    }
    case 'nginxModule': {
      if (item.file) {
        return at((await machine.isFile(item.file)) ? item.file : null, `no ${item.file}`);
      }
      const args = await machine.nginxConfigureArguments();
      if (args === null) return { ok: false, detail: 'not checked: nginx does not run' };
      return args.includes(item.configureFlag!)
        ? { ok: true, detail: 'built in' }
        : { ok: false, detail: `this nginx is built without ${item.configureFlag}` };
    }
    case 'typelib':
      return at(await machine.findTypelib(item.name), `no ${item.name}.typelib`);
    case 'font':
      return at(await machine.fontFile(item.name), 'fontconfig finds no font for it');
    case 'header':
      return at((await machine.isFile(item.path)) ? item.path : null, `no ${item.path}`);
  }
}

/** Listens for a moment; the error, in words, if that fails. */
export function listenProblem(host: string, port: number): Promise<string | null> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      const words: Record<string, string> = {
        EADDRINUSE: 'in use by another process (is this service already running?)',
        EACCES: 'needs privileges to listen on (a port below 1024)',
        EADDRNOTAVAIL: 'this machine has no such address',
      };
      done(words[error.code ?? ''] ?? `cannot be listened on (${error.code ?? error.message})`);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => done(null)));
  });
}

/**
 * Whether the process can write the directory: an existing one gets a scratch directory
 * made and removed in it; a missing one is judged by its nearest existing parent, where
 * the process will create it.
 */
export async function writeProblem(path: string): Promise<string | null> {
  let dir = resolve(path);
  for (;;) {
    const info = await stat(dir).catch((error: NodeJS.ErrnoException) => error);
    if (!(info instanceof Error)) {
      if (!info.isDirectory()) return `${dir} is not a directory`;
      break;
    }
    // ENOTDIR: a file stands somewhere on the way; the walk up finds it.
    const absent = info.code === 'ENOENT' || info.code === 'ENOTDIR';
    if (!absent || dirname(dir) === dir) return `${dir}: ${info.code}`;
    dir = dirname(dir);
  }
  try {
    await rmdir(await mkdtemp(join(dir, '.roomcast-doctor-')));
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const why: Record<string, string> = {
      EACCES: 'this user may not write there',
      EPERM: 'this user may not write there',
      EROFS: 'it is on a read-only file system',
      ENOSPC: 'the disk is full',
    };
    const where = dir === resolve(path) ? dir : `${dir} (to create ${resolve(path)})`;
    return `cannot write in ${where}: ${why[code] ?? code}`;
  }
}

/** How many items a line names before it says `and N more`. */
const NAMED_PER_LINE = 4;

/**
 * The problems only, one line each, each naming the fix: missing items one line per
 * package that brings them (a missing ffmpeg is one line, not one per codec), then ports
 * and directories, then the install command.
 */
export function problemLines(report: DoctorReport): string[] {
  const lines: string[] = [];
  for (const pkg of report.missingPackages) {
    const missing = report.checks.filter((c) => c.status === 'missing' && c.package === pkg);
    const named = missing.slice(0, NAMED_PER_LINE).map((c) => c.what).join(', ');
    const more = missing.length > NAMED_PER_LINE
      ? ` and ${missing.length - NAMED_PER_LINE} more`
      : '';
    const uses = [...new Set(missing.map((c) => c.usedBy))].join('; ');
    lines.push(
      `missing ${named}${more} (${missing[0]!.detail}; for ${uses}): install the package ${pkg}`,
    );
  }
  for (const c of report.checks) {
    if (c.status === 'busy') {
      lines.push(`${c.what} is ${c.detail}: stop that process or set another port`);
    }
    if (c.status === 'unwritable') {
      lines.push(`${c.what}: ${c.detail}; fix its permissions or set another directory`);
    }
  }
  if (report.installCommand) lines.push(`install what is missing with: ${report.installCommand}`);
  return lines;
}

/**
 * The report for people: what was checked and what to do; with `everyCheck`, a line per
 * check first (what was found where).
 */
export function formatReport(report: DoctorReport, everyCheck = false): string {
  const label: Record<CheckStatus, string> = {
    ok: 'ok',
    missing: 'MISSING',
    busy: 'BUSY',
    unwritable: 'NO WRITE',
  };
  const width = Math.max(...report.checks.map((c) => c.what.length));
  const rows = report.checks.map((c) =>
    `${label[c.status].padEnd(8)}  ${c.what.padEnd(width)}  ${
      c.status === 'missing' ? `${c.detail}; package ${c.package}` : c.detail
    }`
  );
  const problems = problemLines(report);
  const failed = report.checks.filter((c) => c.status === 'missing' || c.status === 'unwritable');
  const busy = report.checks.filter((c) => c.status === 'busy');
  const head = `roomcast doctor (${report.roles.join(', ')}): ${report.checks.length} checks, `;
  const verdict = report.ok
    ? `${head}everything this machine needs is here` +
      (busy.length ? `; ${busy.length} port(s) in use` : '')
    : `${head}${failed.length} problem(s)${busy.length ? `, ${busy.length} port(s) in use` : ''}`;
  return [
    ...(everyCheck ? [...rows, ''] : []),
    verdict,
    ...problems.map((line) => `  ${line}`),
  ].join('\n');
}

/**
 * sysexits' EX_CONFIG, the exit code of a process whose start check failed: the units name
 * it in RestartPreventExitStatus=, so systemd does not restart into the same failure.
 */
export const EXIT_MISSING_REQUIREMENTS = 78;

/** A box that cannot run: the problems, for one clear message instead of a restart loop. */
export class MissingRequirementsError extends Error {
  readonly report: DoctorReport;
  constructor(component: string, report: DoctorReport) {
    super(
      `this machine cannot run the ${component}:\n${
        problemLines(report).map((line) => `  ${line}`).join('\n')
      }`,
    );
    this.name = 'MissingRequirementsError';
    this.report = report;
  }
}

/** The start check: throws MissingRequirementsError unless everything is here. */
export async function assertReadyToRun(
  component: string,
  needs: Needs,
  options: DoctorOptions = {},
): Promise<void> {
  const report = await runDoctor(needs, options);
  // At start a busy port is as fatal as a missing package: the process cannot listen.
  if (!report.ok || report.checks.some((c) => c.status === 'busy')) {
    throw new MissingRequirementsError(component, report);
  }
}
