// The unit files in systemd/, checked the way systemd would check them, and against this
// checkout: `systemd-analyze verify` finds nothing to say about any of them, every
// ExecStart names a Node and a roomcast command that exist, and the choices the README
// explains (readiness, restarts, secrets, hardening, capture devices) are really made.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { COMMANDS } from '../cli/main.ts';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const UNIT_DIR = join(ROOT, 'systemd');
/** Debian package `systemd`. */
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
/** Where the units expect things on a box, and where they are in this checkout. */
const BOX_NODE = '/usr/bin/node';
const BOX_ROOMCAST = '/opt/roomcast/bin/roomcast.js';
const HERE_ROOMCAST = join(ROOT, 'bin/roomcast.js');

/**
 * Lines of `systemd-analyze verify` output that do not fail the test. None today: on
 * Debian 12 (systemd 252), as root and as an unprivileged user, verify prints nothing for
 * these units once ExecStart points at files that exist here. Anything it says is a
 * finding (an unknown or misspelt key, a bad value, a missing binary), so a line may only
 * be added here with the reason it is harmless.
 */
const HARMLESS_VERIFY_LINES: RegExp[] = [];

type Unit = Map<string, Map<string, string[]>>;

/** A unit file as sections of keys, each with every value it was given (in order). */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    assert.ok(!line.endsWith('\\'), `no continuation lines, please: ${line}`);
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = new Map();
      unit.set(header[1]!, section);
      continue;
    }
    const at = line.indexOf('=');
    assert.ok(section && at > 0, `a key=value line inside a section: ${line}`);
    const key = line.slice(0, at).trim();
    section.set(key, [...(section.get(key) ?? []), line.slice(at + 1).trim()]);
  }
  return unit;
}

function value(unit: Unit, section: string, key: string): string | undefined {
  return unit.get(section)?.get(key)?.at(-1);
}

/** ExecStart split into words; the units use no quoting and no specifier but %i, which this asserts. */
function execStart(unit: Unit): string[] {
  const line = value(unit, 'Service', 'ExecStart');
  assert.ok(line, 'ExecStart is set');
  assert.ok(
    !/["'\\$]|%[^i]/.test(line),
    `ExecStart needs no quoting or specifiers but %i: ${line}`,
  );
  return line.split(/\s+/);
}

/**
 * The roomcast command a unit runs, and the box kinds it runs for: `roomcast-encoder.service`
 * runs `roomcast encoder`; the template `roomcast-watchdog@.service` runs `roomcast watchdog
 * %i` for the instances `@encoder` and `@collector`.
 */
function commandOf(name: string): { command: string; instances: string[] } {
  const [, command, template] = /^roomcast-(\w+)(@?)\.service$/.exec(name)!;
  return { command: command!, instances: template ? ['encoder', 'collector'] : [] };
}

/** The name a unit's config and secrets files carry: its kind, or %i for a template. */
const configNameOf = (
  name: string,
) => (commandOf(name).instances.length ? '%i' : commandOf(name).command);

/** The unit with ExecStart pointing at this checkout's Node and roomcast. */
function forThisMachine(text: string): string {
  return text.replace(
    /^ExecStart=\/usr\/bin\/node \/opt\/roomcast\/bin\/roomcast\.js /m,
    `ExecStart=${process.execPath} ${HERE_ROOMCAST} `,
  );
}

async function verify(dir: string, files: string[]): Promise<string[]> {
  const { stdout, stderr } = await run(SYSTEMD_ANALYZE, ['verify', ...files], { cwd: dir })
    .catch((error: { stdout?: string; stderr?: string; message: string }) => ({
      stdout: error.stdout ?? '',
      stderr: `${error.stderr ?? ''}\nexited: ${error.message}`,
    }));
  return `${stdout}\n${stderr}`.split('\n').map((line) => line.trim()).filter((line) =>
    line && !HARMLESS_VERIFY_LINES.some((harmless) => harmless.test(line))
  );
}

let names: string[];
const units = new Map<string, { text: string; unit: Unit }>();
let scratch: string;

before(async () => {
  names = (await readdir(UNIT_DIR)).filter((name) => name.endsWith('.service')).sort();
  for (const name of names) {
    const text = await readFile(join(UNIT_DIR, name), 'utf8');
    units.set(name, { text, unit: parseUnit(text) });
  }
  scratch = await mkdtemp(join(tmpdir(), 'roomcast-units-'));
});

after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

test('one unit per long-running process: edge, encoder, collector, and the watchdog of either box', () => {
  assert.deepEqual(names, [
    'roomcast-collector.service',
    'roomcast-edge.service',
    'roomcast-encoder.service',
    'roomcast-watchdog@.service',
  ]);
});

test('systemd-analyze verify has nothing to say about any unit', async () => {
  await access(SYSTEMD_ANALYZE, constants.X_OK).catch(() => {
    throw new Error(`${SYSTEMD_ANALYZE} is missing: install the Debian package systemd`);
  });
  const files = [];
  for (const [name, { text }] of units) {
    const copy = forThisMachine(text);
    assert.notEqual(copy, text, `${name}: ExecStart was rewritten for this machine`);
    await writeFile(join(scratch, name), copy);
    files.push(join(scratch, name));
  }
  assert.deepEqual(await verify(scratch, files), []);
});

test('the verify check would notice a broken unit', async () => {
  const dir = await mkdtemp(join(scratch, 'broken-'));
  const { text } = units.get('roomcast-edge.service')!;
  const broken = forThisMachine(text)
    .replace('ProtectHome=yes', 'ProtectHome=sometimes')
    .replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes');
  await writeFile(join(dir, 'roomcast-edge.service'), broken);
  const findings = await verify(dir, [join(dir, 'roomcast-edge.service')]);
  assert.ok(findings.some((line) => /NoNewPrivilege/.test(line)), findings.join('\n'));
  assert.ok(findings.some((line) => /protect ?home.*sometimes/i.test(line)), findings.join('\n'));

  const missing = text.replace(/^ExecStart=\/usr\/bin\/node /m, 'ExecStart=/nonexistent/node ');
  await writeFile(join(dir, 'roomcast-edge.service'), missing);
  const noBinary = await verify(dir, [join(dir, 'roomcast-edge.service')]);
  assert.ok(noBinary.some((line) => /nonexistent\/node/.test(line)), noBinary.join('\n'));
});

test('every ExecStart runs a Node 20+ and a roomcast command this checkout has', async () => {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(`/opt/roomcast/${pkg.bin.roomcast}`, BOX_ROOMCAST, 'the installed tree has bin/');
  await access(HERE_ROOMCAST, constants.R_OK);
  // The unit's /usr/bin/node stands for the Node running this test (provisioning installs
  // Node 20 there); it must really be a Node of the version package.json asks for.
  const { stdout: version } = await run(process.execPath, ['--version']);
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  assert.ok(major >= Number(/(\d+)/.exec(pkg.engines.node)?.[1]), `node ${version.trim()}`);

  for (const [name, { unit }] of units) {
    const [binary, script, ...command] = execStart(unit);
    assert.equal(binary, BOX_NODE, `${name}: runs ${BOX_NODE}`);
    assert.equal(script, BOX_ROOMCAST, `${name}: runs roomcast from /opt/roomcast`);
    const { command: kind, instances } = commandOf(name);
    assert.deepEqual(
      command,
      instances.length ? [kind, '%i'] : [kind],
      `${name}: runs \`roomcast ${kind}\``,
    );
    assert.ok(COMMANDS.some((c) => c.name === kind), `roomcast has a '${kind}' command`);
    for (const args of instances.length ? instances.map((i) => [kind, i]) : [[kind]]) {
      const help = await run(process.execPath, [HERE_ROOMCAST, ...args, '--help'], {
        cwd: scratch,
        env: { ...process.env, NOTIFY_SOCKET: '' },
      });
      assert.match(help.stdout, new RegExp(`^usage: roomcast ${kind}\\b`), `${name}: --help`);
    }
  }
});

test('each unit reads its own config and secrets and keeps its state in its own directory', () => {
  for (const [name, { unit }] of units) {
    const kind = configNameOf(name);
    const service = unit.get('Service')!;
    const environment = service.get('Environment') ?? [];
    assert.ok(environment.includes(`ROOMCAST_CONFIG=/etc/roomcast/${kind}.yaml`), name);
    // The config loader refuses unknown ROOMCAST_* names; the unit sets only this one.
    assert.deepEqual(
      environment.filter((e) => e.startsWith('ROOMCAST_')),
      [`ROOMCAST_CONFIG=/etc/roomcast/${kind}.yaml`],
      name,
    );
    assert.deepEqual(service.get('EnvironmentFile'), [`-/etc/roomcast/${kind}.env`], name);
    // The watchdog keeps nothing: it looks at the box's state, read-only.
    if (kind === '%i') {
      assert.equal(value(unit, 'Service', 'StateDirectory'), undefined, name);
      continue;
    }
    assert.equal(value(unit, 'Service', 'StateDirectory'), `roomcast/${kind}`, name);
    assert.equal(value(unit, 'Service', 'WorkingDirectory'), `/var/lib/roomcast/${kind}`, name);
  }
});

test('readiness, restarts, stopping and hardening are what the README says', () => {
  const everywhere: Record<string, string> = {
    Type: 'notify',
    NotifyAccess: 'all',
    Restart: 'on-failure',
    KillMode: 'mixed',
    NoNewPrivileges: 'yes',
    ProtectSystem: 'strict',
    ProtectHome: 'yes',
    PrivateTmp: 'yes',
    ProtectKernelTunables: 'yes',
    ProtectKernelModules: 'yes',
    ProtectControlGroups: 'yes',
    RestrictNamespaces: 'yes',
    LockPersonality: 'yes',
    RestrictRealtime: 'yes',
  };
  for (const [name, { unit }] of units) {
    for (const [key, expected] of Object.entries(everywhere)) {
      assert.equal(value(unit, 'Service', key), expected, `${name}: ${key}`);
    }
    const root = name === 'roomcast-watchdog@.service';
    assert.equal(value(unit, 'Service', 'User'), root ? 'root' : 'roomcast', `${name}: User`);
    assert.equal(value(unit, 'Service', 'Group'), root ? 'root' : 'roomcast', `${name}: Group`);
    assert.equal(
      value(unit, 'Unit', 'After'),
      root ? 'network-online.target roomcast-%i.service' : 'network-online.target',
      name,
    );
    assert.equal(value(unit, 'Unit', 'Wants'), 'network-online.target', name);
    // V8 (Node's JIT) cannot run with it.
    assert.equal(value(unit, 'Service', 'MemoryDenyWriteExecute'), undefined, name);
    assert.ok(Number(value(unit, 'Service', 'TimeoutStartSec')) >= 60, `${name}: TimeoutStartSec`);
    assert.ok(Number(value(unit, 'Service', 'TimeoutStopSec')) >= 30, `${name}: TimeoutStopSec`);
  }
  const collector = units.get('roomcast-collector.service')!.unit;
  assert.equal(value(collector, 'Service', 'SupplementaryGroups'), 'video audio');
  // Each of these would close the device cgroup and with it the capture devices.
  for (const key of ['PrivateDevices', 'DeviceAllow', 'DevicePolicy', 'ProtectClock']) {
    assert.equal(value(collector, 'Service', key), undefined, `collector: no ${key}`);
  }
  assert.equal(value(collector, 'Service', 'CapabilityBoundingSet'), '');
  const encoder = units.get('roomcast-encoder.service')!.unit;
  assert.equal(value(encoder, 'Service', 'CapabilityBoundingSet'), 'CAP_NET_BIND_SERVICE');
  assert.equal(value(encoder, 'Service', 'AmbientCapabilities'), 'CAP_NET_BIND_SERVICE');
  const edge = units.get('roomcast-edge.service')!.unit;
  assert.equal(value(edge, 'Service', 'CapabilityBoundingSet'), '');
  // Root, but only to signal the roomcast user's processes and read their HLS tree; it
  // must see their /proc entries to check a pid before it kills it.
  const watchdog = units.get('roomcast-watchdog@.service')!.unit;
  assert.equal(
    value(watchdog, 'Service', 'CapabilityBoundingSet'),
    'CAP_KILL CAP_DAC_READ_SEARCH',
  );
  assert.equal(value(watchdog, 'Service', 'AmbientCapabilities'), undefined);
  assert.equal(value(watchdog, 'Service', 'ProtectProc'), undefined);
});
