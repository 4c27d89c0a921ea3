// `roomcast push` for real, against a real sshd on loopback.
//
// The test starts /usr/sbin/sshd with its own config, a fresh ed25519 host key and a
// throwaway client key, on a free port. Every host of the three-room fixture is that one
// sshd: an ssh_config Host block per name (HostName 127.0.0.1, HostKeyAlias the name, so
// the test's known_hosts checks each name strictly), and each "box" is a directory of its
// own, through pusher.remoteConfigDir `<tmp>/boxes/{host}/etc/roomcast`. We log in as
// root (the CI runs as root); run as another user, the sshd can only let that user in, so
// the test logs in as it, through a stand-in `sudo` (the pusher says `sudo -n` for any
// user but root).
//
// No systemd runs here: the session's PATH (sshd_config SetEnv) starts with a fake
// `systemctl` that logs restarts and "starts" a unit by running the real `roomcast config
// check` on what the box has, with the unit's environment (the .yaml as ROOMCAST_CONFIG,
// the .env's variables); a collector also needs its capture device to exist in the box's
// dev/. That is how a config the box's checks accept can still fail to start, so the box
// rolls it back.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, waitForPort } from '../core/testing/net.ts';
import { type RunningProcess, startProcess } from '../core/testing/process.ts';
import { type CliResult, runRoomcast } from './support/cli.ts';
import { ROOMCAST, ROOT } from './support/stack.ts';

const FIXTURES = join(ROOT, 'core/event/fixtures');
const COLLECTORS = ['col-main.venue.lan', 'col-side.venue.lan', 'col-workshop.venue.lan'];
const ENCODERS = ['enc-1.example.org', 'enc-2.example.org'];
const HOSTS = [...COLLECTORS, ...ENCODERS].sort();
const kindOf = (host: string) => (COLLECTORS.includes(host) ? 'collector' : 'encoder');
const ROTATED_KEY = 'rk_fixture-main-hall-rotated';

const isRoot = process.getuid?.() === 0;
const user = isRoot ? 'root' : userInfo().username;

let dir: string;
let port: number;
let sshd: RunningProcess | undefined;
let sshdLogs = '';
let env: NodeJS.ProcessEnv;

const boxDir = (host: string) => join(dir, 'boxes', host);
const configDir = (host: string) => join(boxDir(host), 'etc/roomcast');

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

async function newHostKey(name: string): Promise<string> {
  const key = join(dir, 'ssh', name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  return key;
}

async function startSshd(hostKey: string): Promise<void> {
  const config = join(dir, 'ssh', 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'ssh', 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'ssh', 'authorized_keys')}`,
      `AllowUsers ${user}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The files live in a temp dir, not in a home with sshd's expected owners and modes.
      'StrictModes no',
      // The fake systemctl (and sudo) come first.
      `SetEnv PATH=${
        join(dir, 'bin')
      }:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      'LogLevel INFO',
      '',
    ].join('\n'),
  );
  // Run as root, sshd wants its privilege separation directory (systemd makes it for the
  // packaged service, and nothing else does).
  if (isRoot) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  await run('/usr/sbin/sshd', ['-t', '-f', config]);
  const started = startProcess('/usr/sbin/sshd', ['-D', '-e', '-f', config]);
  await started.whenReady(waitForPort(port));
  sshd = started;
}

async function stopSshd(): Promise<void> {
  if (!sshd) return;
  await sshd.stop();
  sshdLogs += sshd.output();
  sshd = undefined;
}

async function writeKnownHosts(hostKey: string): Promise<void> {
  const [type, key] = (await readFile(`${hostKey}.pub`, 'utf8')).split(' ');
  await writeFile(join(dir, 'ssh', 'known_hosts'), `${HOSTS.join(',')} ${type} ${key}\n`);
}

const FAKE_SYSTEMCTL = (roomcast: string, log: string) =>
  `#!/bin/bash
# systemctl for the "boxes" of e2e/push_test.ts. The box is the one whose config dir the
# calling \`roomcast box session --dir …\` works on; a unit "starts" when the real
# \`roomcast config check\` accepts the box's config with the unit's environment and, for a
# collector, its capture device exists under the box's dev/.
set -u
dir=$(tr '\\0' '\\n' < /proc/$PPID/cmdline | sed -n '/^--dir$/{n;p;q}')
box=\${dir%/etc/roomcast}
unit=\${!#}
kind=\${unit#roomcast-}
kind=\${kind%.service}
start() {
  ( set -a; . "$dir/$kind.env"; set +a
    ROOMCAST_CONFIG="$dir/$kind.yaml" exec ${process.execPath} ${roomcast} config check
  ) >/dev/null 2>>"$box/unit.log" || { echo "config refused" > "$box/unit-status"; return 1; }
  device=$(sed -n 's|^    device: \\(/dev/.*\\)$|\\1|p' "$dir/$kind.yaml" | head -n 1)
  if [ -n "$device" ] && [ ! -e "$box$device" ]; then
    echo "no capture device $device" > "$box/unit-status"
    return 1
  fi
  echo "running (fake unit)" > "$box/unit-status"
}
case $1 in
  restart)
    echo "restart $box $unit" >> "${log}"
    if start; then echo active > "$box/unit-state"; exit 0; fi
    echo failed > "$box/unit-state"
    echo "Job for $unit failed because the control process exited with error code." >&2
    exit 1 ;;
  is-active)
    state=$(cat "$box/unit-state" 2>/dev/null || echo inactive)
    echo "$state"
    [ "$state" = active ] ;;
  show) cat "$box/unit-status" 2>/dev/null; exit 0 ;;
  reset-failed) exit 0 ;;
  try-restart) echo "try-restart $box $unit" >> "${log}" ;;
  stop) echo "stop $box $unit" >> "${log}"; echo inactive > "$box/unit-state" ;;
  *) echo "fake systemctl: $1 is not faked" >&2; exit 1 ;;
esac
`;

// Stands in for sudo when the test is not root (the pusher then says `sudo -n -- CMD…`).
const FAKE_SUDO = `#!/bin/sh
[ "$1" = -n ] && shift
[ "$1" = -- ] && shift
exec "$@"
`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomcast-push-'));
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'ssh'), { mode: 0o700 });
  await mkdir(join(dir, 'bin'));
  port = await freePort();

  const hostKey = await newHostKey('host_key');
  const clientKey = await newHostKey('client_key');
  await writeFile(
    join(dir, 'ssh', 'authorized_keys'),
    await readFile(`${clientKey}.pub`, 'utf8'),
    { mode: 0o600 },
  );
  await writeKnownHosts(hostKey);
  await writeFile(
    join(dir, 'ssh', 'ssh_config'),
    HOSTS.map((host) => `Host ${host}\n  HostName 127.0.0.1\n  HostKeyAlias ${host}\n`).join(''),
  );
  await writeFile(
    join(dir, 'bin', 'systemctl'),
    FAKE_SYSTEMCTL(ROOMCAST, join(dir, 'systemctl.log')),
    { mode: 0o755 },
  );
  if (!isRoot) await writeFile(join(dir, 'bin', 'sudo'), FAKE_SUDO, { mode: 0o755 });
  await writeFile(join(dir, 'systemctl.log'), '');

  // Each box: its config dir as provisioning leaves it; collectors have /dev/video0.
  for (const host of HOSTS) {
    await mkdir(configDir(host), { recursive: true, mode: 0o750 });
    if (kindOf(host) === 'collector') {
      await mkdir(join(boxDir(host), 'dev'));
      await writeFile(join(boxDir(host), 'dev', 'video0'), '');
    }
  }

  await writeFile(
    join(dir, 'roomcast.yaml'),
    [
      'pusher:',
      '  ssh:',
      `    user: ${user}`,
      `    port: ${port}`,
      `    identityFile: ${join(dir, 'ssh', 'client_key')}`,
      `    knownHostsFile: ${join(dir, 'ssh', 'known_hosts')}`,
      '  parallel: 4',
      `  remoteConfigDir: ${join(dir, 'boxes', '{host}', 'etc/roomcast')}`,
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'event.yaml'),
    await readFile(join(FIXTURES, 'three-rooms.yaml'), 'utf8'),
  );
  const secrets = await readFile(join(FIXTURES, 'three-rooms.secrets.yaml'), 'utf8');
  await writeFile(join(dir, 'secrets.yaml'), secrets, { mode: 0o600 });
  // The bad event: enc-2's HLS address is an IPv6 typo that only nginx itself refuses,
  // and side-room's grabber is one its box does not have. Plus a rotated stream key.
  const event = await readFile(join(FIXTURES, 'three-rooms.yaml'), 'utf8');
  const bad = event
    .replace(
      'capacity: 4\n    rtmp: { host: 0.0.0.0 }\n    http: { host: 0.0.0.0 }',
      "capacity: 4\n    rtmp: { host: 0.0.0.0 }\n    http: { host: '1:2:3:4:5:6:7:8:9' }",
    )
    .replace('output: { fps: 25 }', 'output: { fps: 25 }\n      source: { device: /dev/video7 }');
  assert.notEqual(bad, event);
  assert.equal(bad.split('\n').length, event.split('\n').length + 1);
  await writeFile(join(dir, 'bad-event.yaml'), bad);
  await writeFile(
    join(dir, 'rotated.secrets.yaml'),
    secrets.replace('rk_fixture-main-hall', ROTATED_KEY),
    { mode: 0o600 },
  );

  env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('ROOMCAST_')) delete env[name];
  await startSshd(hostKey);
});

after(async () => {
  await stopSshd();
  await rm(dir, { recursive: true, force: true });
});

function push(event: string, secrets: string, ...extra: string[]): Promise<CliResult> {
  return runRoomcast(
    [
      'push',
      event,
      '--secrets',
      secrets,
      '--config',
      'roomcast.yaml',
      '--ssh-config',
      join(dir, 'ssh', 'ssh_config'),
      '--box-roomcast',
      `${process.execPath} ${ROOMCAST}`,
      '--settle',
      '0',
      ...extra,
    ],
    { cwd: dir, env },
  );
}

interface HostJson {
  host: string;
  outcome: string;
  reason?: string;
  rolledBack: boolean;
  restarts: number;
  files: { path: string; change: string }[];
}

function byHost(result: CliResult): Map<string, HostJson> {
  const summary = JSON.parse(result.stdout);
  return new Map(summary.hosts.map((h: HostJson) => [h.host, h]));
}

async function restarts(): Promise<string[]> {
  return (await readFile(join(dir, 'systemctl.log'), 'utf8')).split('\n').filter(Boolean);
}

/** Every entry under a box's config dir: kind, mode, and content hash or link target. */
async function snapshot(host: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (path: string, name: string) => {
    const info = await lstat(path);
    const mode = (info.mode & 0o7777).toString(8);
    if (info.isSymbolicLink()) out[name] = `link → ${await readlink(path)}`;
    else if (info.isDirectory()) {
      out[name] = `dir ${mode}`;
      for (const entry of await readdir(path)) await walk(join(path, entry), `${name}/${entry}`);
    } else {
      const hash = createHash('sha256').update(await readFile(path)).digest('hex');
      out[name] = `file ${mode} ${hash}`;
    }
  };
  await walk(configDir(host), '.');
  return out;
}

/** Every command line on this machine, sampled until stopped (what `ps` would show). */
function sampleCommandLines(): { stop(): Promise<Set<string>> } {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
      await Promise.all(pids.map(async (pid) => {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (cmdline) seen.add(cmdline.replaceAll('\0', ' ').trim());
      }));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}

async function secretValues(): Promise<string[]> {
  const text = await readFile(join(FIXTURES, 'three-rooms.secrets.yaml'), 'utf8');
  const values = [...text.matchAll(/(?:nodeSecret|streamKey|adminToken): (\S+?)(?: \}|$)/gm)]
    .map((match) => match[1]!);
  assert.equal(values.length, 9, 'the fixture has 9 secrets');
  return [...values, ROTATED_KEY];
}

test('roomcast push against a real sshd: push, no-op, refused, rolled back, host key', async (t) => {
  const secrets = await secretValues();
  const outputs: string[] = [];
  const commandLines = sampleCommandLines();

  await t.test('first push: every box changed, files and modes as rendered, units restarted', async () => {
    const result = await push('event.yaml', 'secrets.yaml', '--json');
    outputs.push(result.stdout, result.stderr);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}\n${sshd?.output()}`);
    const hosts = byHost(result);
    assert.deepEqual([...hosts.keys()], HOSTS);
    for (const host of HOSTS) {
      const report = hosts.get(host)!;
      assert.equal(report.outcome, 'changed', `${host}: ${report.reason}`);
      assert.equal(report.restarts, 1);
      const kind = kindOf(host);
      const rendered = join(FIXTURES, 'rendered', host);
      assert.deepEqual(
        (await readdir(configDir(host))).sort(),
        [`${kind}.env`, `${kind}.versions`, `${kind}.yaml`],
      );
      for (const [file, mode] of [[`${kind}.yaml`, 0o640], [`${kind}.env`, 0o600]] as const) {
        const path = join(configDir(host), file);
        assert.equal(
          await readFile(path, 'utf8'),
          await readFile(join(rendered, file), 'utf8'),
          `${host}/${file} is the rendered file`,
        );
        assert.equal((await stat(path)).mode & 0o777, mode, `${host}/${file} mode`);
        assert.equal(await readlink(path), `${kind}.versions/current/${file}`);
      }
      const versions = (await readdir(join(configDir(host), `${kind}.versions`))).sort();
      assert.equal(versions.length, 2, `${host}: ${versions}`); // current + one version
      assert.ok(versions.includes('current'));
    }
    const log = await restarts();
    assert.deepEqual(
      log.sort(),
      HOSTS.flatMap((host) => [
        `restart ${boxDir(host)} roomcast-${kindOf(host)}.service`,
        // The watchdog reads the same config; it is restarted if it runs.
        `try-restart ${boxDir(host)} roomcast-watchdog@${kindOf(host)}.service`,
      ]).sort(),
    );
  });

  await t.test('second push: every box unchanged, nothing restarted', async () => {
    const before = await restarts();
    const result = await push('event.yaml', 'secrets.yaml');
    outputs.push(result.stdout, result.stderr);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    for (const host of HOSTS) {
      assert.match(
        result.stdout,
        new RegExp(`^  ${host.replaceAll('.', '\\.')} .* unchanged$`, 'm'),
      );
    }
    assert.match(result.stdout, /^0 changed, 5 unchanged, 0 failed$/m);
    assert.deepEqual(await restarts(), before);
  });

  await t.test('refused on the box, and rolled back after a failed start; the others go on', async () => {
    const beforeSide = await snapshot('col-side.venue.lan');
    const beforeEnc2 = await snapshot('enc-2.example.org');
    const beforeLog = await restarts();
    const result = await push('bad-event.yaml', 'rotated.secrets.yaml', '--diff');
    outputs.push(result.stdout, result.stderr);
    assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}`);
    const line = (host: string) =>
      result.stdout.split('\n').find((l) => l.startsWith(`  ${host} `)) ?? '';

    // enc-2: nginx -t on the box refused the config; nothing on the box changed.
    assert.match(
      line('enc-2.example.org'),
      /failed: refused by the box's checks, its config is unchanged: nginx -t: invalid IPv6 address in "\[1:2:3:4:5:6:7:8:9\]:8088" of the "listen" directive/,
      result.stdout,
    );
    assert.deepEqual(await snapshot('enc-2.example.org'), beforeEnc2);

    // col-side: accepted, switched, the unit did not start: back to the old config.
    assert.match(
      line('col-side.venue.lan'),
      /failed: the new config failed: systemctl restart roomcast-collector\.service failed: Job for roomcast-collector\.service failed because the control process exited with error code\. \(status: no capture device \/dev\/video7\); see journalctl -u roomcast-collector\.service; rolled back to the previous config \(\S+\), roomcast-collector\.service is active again$/,
      result.stdout,
    );
    assert.deepEqual(await snapshot('col-side.venue.lan'), beforeSide, 'old config, byte for byte');

    // col-main: the rotated stream key went in; the others had nothing to do.
    assert.match(line('col-main.venue.lan'), /changed: collector\.env; restarted, active/);
    assert.equal(
      await readFile(join(configDir('col-main.venue.lan'), 'collector.env'), 'utf8'),
      (await readFile(join(FIXTURES, 'rendered/col-main.venue.lan/collector.env'), 'utf8'))
        .replace('rk_fixture-main-hall', ROTATED_KEY),
    );
    assert.match(line('col-workshop.venue.lan'), / unchanged$/);
    assert.match(line('enc-1.example.org'), / unchanged$/);
    assert.match(result.stdout, /^1 changed, 2 unchanged, 2 failed$/m);

    const newRestarts = (await restarts()).slice(beforeLog.length);
    assert.deepEqual(newRestarts.sort(), [
      `restart ${boxDir('col-main.venue.lan')} roomcast-collector.service`,
      `restart ${boxDir('col-side.venue.lan')} roomcast-collector.service`,
      `restart ${boxDir('col-side.venue.lan')} roomcast-collector.service`,
      // Only the box that took its new config restarts its watchdog.
      `try-restart ${boxDir('col-main.venue.lan')} roomcast-watchdog@collector.service`,
    ]);

    // The diff: the yaml change in full, the secret as a word.
    assert.ok(
      result.stdout.includes('\n-    device: /dev/video0\n+    device: /dev/video7\n'),
      result.stdout,
    );
    assert.match(result.stdout, /^ ROOMCAST_COLLECTOR_NODE_SECRET=<unchanged>$/m);
    assert.match(result.stdout, /^-ROOMCAST_COLLECTOR_STREAM_KEY=<old value>$/m);
    assert.match(result.stdout, /^\+ROOMCAST_COLLECTOR_STREAM_KEY=<changed>$/m);
  });

  const seen = await commandLines.stop();
  await t.test('no secret in any command line, nor in the output or the sshd log', () => {
    const lines = [...seen];
    assert.ok(
      lines.some((l) => l.startsWith('ssh ') && l.includes("'box' 'session'")),
      'the sampling saw the ssh client',
    );
    assert.ok(
      lines.some((l) => l.includes(' box session --kind ') && !l.startsWith('ssh ')),
      'the sampling saw roomcast box session on the box',
    );
    assert.ok(lines.some((l) => l.includes(' config check')), 'and the units starting');
    const logs = `${outputs.join('\n')}\n${sshdLogs}${sshd?.output() ?? ''}`;
    assert.match(logs, /Accepted publickey for /, 'the sshd log is there');
    for (const secret of secrets) {
      for (const line of lines) assert.ok(!line.includes(secret), `a secret in: ${line}`);
      assert.ok(!logs.includes(secret), 'a secret in the output or the sshd log');
    }
  });

  await t.test('a changed host key is refused before anything is sent', async () => {
    const before = Object.fromEntries(
      await Promise.all(HOSTS.map(async (host) => [host, await snapshot(host)])),
    );
    const beforeLog = await restarts();
    await stopSshd();
    await startSshd(await newHostKey('host_key_2'));
    const result = await push('event.yaml', 'secrets.yaml', '--json');
    assert.equal(result.code, 1, result.stderr);
    for (const report of byHost(result).values()) {
      assert.equal(report.outcome, 'failed');
      assert.match(report.reason!, /^host key changed: /);
    }
    for (const host of HOSTS) assert.deepEqual(await snapshot(host), before[host], host);
    assert.deepEqual(await restarts(), beforeLog);
    assert.match(result.stderr, /5 of 5 box\(es\) failed/);
  });
});
