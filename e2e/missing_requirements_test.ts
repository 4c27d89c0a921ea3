// The start checks of the real `roomcast collector` and `roomcast encoder` on a machine
// that lacks something: GStreamer without the plugin of timeoverlay (its plugin path
// narrowed, the rest of the machine as it is), a PATH without ffmpeg, a data directory
// under a file, a port in use. Each exits 78 (the units do not restart on it) within
// seconds, with one line per problem that names the fix and no stack trace; nothing
// loops. And `roomcast doctor --json` on this machine, which setup.sh made complete.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { EXIT_MISSING_REQUIREMENTS } from '../core/requirements/doctor.ts';
import { freePort } from '../core/testing/net.ts';
import { type CliResult, runRoomcast } from './support/cli.ts';
import { ROOT } from './support/stack.ts';

let scratch: string;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'roomcast-missing-'));
});
after(() => rm(scratch, { recursive: true, force: true }));

/** Environment of a box on free ports, its data in the scratch directory. */
async function boxEnv(extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ROOMCAST_ENCODER_RTMP_PORT: String(await freePort()),
    ROOMCAST_ENCODER_HTTP_PORT: String(await freePort()),
    ROOMCAST_ENCODER_AGENT_PORT: String(await freePort()),
    ROOMCAST_ENCODER_WORK_DIR: join(scratch, 'encoder'),
    ROOMCAST_COLLECTOR_STATUS_PORT: String(await freePort()),
    ROOMCAST_COLLECTOR_RECORDING_DIR: join(scratch, 'recordings'),
    ...extra,
  };
  delete env.NOTIFY_SOCKET;
  return env;
}

function assertRefused(result: CliResult, ...expected: RegExp[]): string[] {
  const show = `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
  assert.equal(result.code, EXIT_MISSING_REQUIREMENTS, show);
  assert.doesNotMatch(result.stderr, /^\s+at /m, `no stack trace:\n${show}`);
  const lines = result.stderr.trim().split('\n');
  assert.match(lines[0]!, /^roomcast: this machine cannot run the (collector|encoder):$/, show);
  for (const pattern of expected) {
    assert.ok(lines.some((line) => pattern.test(line)), `${pattern}\n${show}`);
  }
  return lines;
}

test('collector: GStreamer without timeoverlay names gstreamer1.0-x and exits 78', async () => {
  // Every system plugin but pango's, in a directory of links, and a registry of its own.
  const coreelements = execFileSync('gst-inspect-1.0', ['coreelements'], { encoding: 'utf8' });
  const pluginDir = dirname(/^\s*Filename\s+(\S+)/m.exec(coreelements)![1]!);
  const narrowed = join(scratch, 'gst-plugins');
  await mkdir(narrowed);
  for (const file of await readdir(pluginDir)) {
    if (file.endsWith('.so') && file !== 'libgstpango.so') {
      await symlink(join(pluginDir, file), join(narrowed, file));
    }
  }
  const env = await boxEnv({
    GST_PLUGIN_SYSTEM_PATH_1_0: narrowed,
    GST_PLUGIN_PATH_1_0: '',
    GST_REGISTRY_1_0: join(scratch, 'gst-registry.bin'),
  });
  const result = await runRoomcast(['collector'], { cwd: scratch, env });
  const lines = assertRefused(
    result,
    /^ {2}missing GStreamer element timeoverlay, GStreamer element textoverlay \(not in the GStreamer registry; for the test source .*\): install the package gstreamer1\.0-x$/,
    /^ {2}install what is missing with: (sudo )?apt-get install --no-install-recommends gstreamer1\.0-x$/,
  );
  assert.equal(lines.length, 3, result.stderr);
  // Refused before anything started: no status page, no recording directory.
  await assert.rejects(readdir(join(scratch, 'recordings')));
});

test('encoder: no ffmpeg on PATH is one line naming the ffmpeg package', async () => {
  const bin = join(scratch, 'bin-without-ffmpeg');
  await mkdir(bin);
  await symlink(process.execPath, join(bin, 'node'));
  // The box's other programs stay (the watchdog's systemctl, the slate's fc-match).
  for (const program of ['systemctl', 'fc-match']) {
    await symlink(
      execFileSync('which', [program], { encoding: 'utf8' }).trim(),
      join(bin, program),
    );
  }
  const result = await runRoomcast(['encoder'], { cwd: scratch, env: await boxEnv({ PATH: bin }) });
  const lines = assertRefused(
    result,
    /^ {2}missing program ffmpeg, program ffprobe, ffmpeg demuxer flv, ffmpeg protocol rtmp and \d+ more \(no ffmpeg on PATH; .*\): install the package ffmpeg$/,
  );
  assert.equal(lines.length, 3, result.stderr);
});

test('encoder: a work directory under a file and a port in use, each named with its key', async () => {
  const file = join(scratch, 'not-a-dir');
  await writeFile(file, '');
  const busy: Server = createServer();
  const port = await freePort();
  await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve));
  try {
    const env = await boxEnv({
      ROOMCAST_ENCODER_WORK_DIR: join(file, 'encoder'),
      ROOMCAST_ENCODER_RTMP_PORT: String(port),
    });
    const result = await runRoomcast(['encoder'], { cwd: scratch, env });
    assertRefused(
      result,
      new RegExp(
        `^ {2}port 127\\.0\\.0\\.1:${port} \\(encoder\\.rtmp\\.port\\) is in use by another process`,
      ),
      /^ {2}directory .*not-a-dir\/encoder \(encoder\.workDir\): .*not-a-dir is not a directory; fix its permissions or set another directory$/,
    );
  } finally {
    busy.close();
  }
});

test('doctor --json on this machine: every role and the suite complete; a bad role is refused', async () => {
  const env = await boxEnv();
  const result = await runRoomcast(['doctor', '--role', 'all,build,test', '--json'], {
    cwd: ROOT,
    env,
  });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const report = JSON.parse(result.stdout) as {
    ok: boolean;
    checks: { what: string; status: string }[];
    installCommand: string | null;
  };
  assert.equal(report.ok, true);
  assert.equal(report.installCommand, null);
  for (
    const what of ['GStreamer element timeoverlay', 'nginx module rtmp', 'ffmpeg encoder libx264']
  ) {
    assert.equal(report.checks.find((c) => c.what === what)?.status, 'ok', what);
  }
  const bad = await runRoomcast(['doctor', '--role', 'viewer'], { cwd: ROOT, env });
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /--role takes edge, encoder, collector, build, test, all .*not 'viewer'/,
  );
});
