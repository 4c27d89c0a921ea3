import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { requirementsFor } from './catalogue.ts';
import {
  assertReadyToRun,
  formatReport,
  listenProblem,
  MissingRequirementsError,
  problemLines,
  runDoctor,
  writeProblem,
} from './doctor.ts';
import { localMachine, type Machine, parseFfmpegList, parseGstInspectList } from './machine.ts';

/** A machine with everything the catalogue names, less `without` (by name). */
function fakeMachine(without: string[] = []): Machine {
  const has = (name: string) => !without.includes(name);
  const answer = <T>(value: T) => Promise.resolve(value);
  return {
    findProgram: (name, path) => answer(has(name) ? path ?? `/usr/bin/${name}` : null),
    gstFactories: () =>
      answer(
        new Set(
          requirementsFor(['collector']).flatMap((r) =>
            r.kind === 'gstElement' && has(r.name) ? [r.name] : []
          ),
        ),
      ),
    ffmpegComponents: () =>
      answer(
        new Set(
          requirementsFor(['encoder', 'test']).flatMap((r) =>
            r.kind === 'ffmpegComponent' && has(r.name) ? [r.name] : []
          ),
        ),
      ),
    nginxConfigureArguments: () =>
      answer(has('secure_link') ? '--with-http_secure_link_module' : '--with-http_ssl_module'),
    isFile: (path) => answer(has(path.slice(path.lastIndexOf('/') + 1))),
    findTypelib: (name) => answer(has(name) ? `/usr/lib/girepository-1.0/${name}.typelib` : null),
    fontFile: (name) => answer(has(name) ? '/usr/share/fonts/x.ttf' : null),
  };
}

const noPlaces = { ports: [], dirs: [] };

test('a machine with everything: ok, no install command', async () => {
  const report = await runDoctor({ roles: ['encoder', 'collector'], ...noPlaces }, {
    machine: fakeMachine(),
  });
  assert.equal(report.ok, true, formatReport(report, true));
  assert.equal(report.installCommand, null);
  assert.deepEqual(problemLines(report), []);
  assert.match(formatReport(report), /everything this machine needs is here/);
});

test('a missing element, nginx module and program: each named with its package, one command', async () => {
  const report = await runDoctor({ roles: ['encoder', 'collector'], ...noPlaces }, {
    machine: fakeMachine(['timeoverlay', 'ngx_rtmp_module.so', 'ffprobe']),
  });
  assert.equal(report.ok, false);
  assert.deepEqual(report.missingPackages, ['ffmpeg', 'gstreamer1.0-x', 'libnginx-mod-rtmp']);
  const lines = problemLines(report);
  assert.equal(lines.length, 4, lines.join('\n'));
  assert.match(
    lines.find((l) => l.includes('timeoverlay'))!,
    /the test source.*install the package gstreamer1\.0-x$/,
  );
  assert.match(
    lines.find((l) => l.includes('rtmp'))!,
    /^missing nginx module rtmp \(no \/usr\/lib\/nginx\/modules\/ngx_rtmp_module\.so;.*libnginx-mod-rtmp$/,
  );
  assert.match(
    lines.at(-1)!,
    /apt-get install --no-install-recommends ffmpeg gstreamer1\.0-x libnginx-mod-rtmp$/,
  );
});

test('elements of capture sources not configured are not checked', async () => {
  const machine = fakeMachine(['decklinkvideosrc', 'timeoverlay']);
  const v4l2 = await runDoctor({ roles: ['collector'], captures: ['v4l2', 'alsa'], ...noPlaces }, {
    machine,
  });
  assert.equal(v4l2.ok, true, formatReport(v4l2));
  assert.ok(v4l2.checks.some((c) => c.what === 'GStreamer element v4l2src'));
  const deckLink = await runDoctor({ roles: ['collector'], captures: ['decklink'], ...noPlaces }, {
    machine,
  });
  assert.deepEqual(deckLink.checks.filter((c) => c.status !== 'ok').map((c) => c.what), [
    'GStreamer element decklinkvideosrc',
  ]);
});

test('a missing ffmpeg is one line for the program and every component it would have', async () => {
  const machine = { ...fakeMachine(['ffmpeg']), ffmpegComponents: () => Promise.resolve(null) };
  const report = await runDoctor({ roles: ['encoder'], ...noPlaces }, { machine });
  assert.deepEqual(report.missingPackages, ['ffmpeg']);
  const lines = problemLines(report);
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(
    lines[0]!,
    /^missing program ffmpeg, ffmpeg demuxer flv, ffmpeg protocol rtmp, ffmpeg protocol file and \d+ more \(no ffmpeg on PATH;.*install the package ffmpeg$/,
  );
});

test('when gst-inspect-1.0 cannot run, the elements count as missing and say why', async () => {
  const machine = {
    ...fakeMachine(['gst-inspect-1.0']),
    gstFactories: () => Promise.resolve(null),
  };
  const report = await runDoctor({ roles: ['collector'], captures: ['test'], ...noPlaces }, {
    machine,
  });
  const queue = report.checks.find((c) => c.what === 'GStreamer element queue')!;
  assert.equal(queue.status, 'missing');
  assert.match(queue.detail, /gst-inspect-1\.0 does not run/);
  assert.ok(report.missingPackages.includes('gstreamer1.0-tools'));
});

const scratch = await mkdtemp(join(tmpdir(), 'roomcast-doctor-'));
after(() => rm(scratch, { recursive: true, force: true }));

test('ports: a port in use is busy (a warning for doctor, fatal at start); a free one is ok', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    assert.match((await listenProblem('127.0.0.1', port))!, /in use by another process/);
    const needs = {
      roles: ['encoder'] as const,
      ports: [{ key: 'encoder.rtmp.port', host: '127.0.0.1', port }],
      dirs: [],
    };
    const report = await runDoctor(needs, { machine: fakeMachine() });
    assert.equal(report.ok, true);
    assert.match(
      problemLines(report)[0]!,
      new RegExp(`port 127\\.0\\.0\\.1:${port} \\(encoder\\.rtmp\\.port\\) is in use`),
    );
    await assert.rejects(
      assertReadyToRun('encoder', needs, { machine: fakeMachine() }),
      (error: unknown) =>
        error instanceof MissingRequirementsError &&
        /cannot run the encoder:\n {2}port .* is in use/.test(error.message),
    );
    const skipped = await runDoctor(needs, { machine: fakeMachine(), skipPorts: true });
    assert.equal(skipped.checks.some((c) => c.what.startsWith('port')), false);
  } finally {
    server.close();
  }
  assert.equal(await listenProblem('127.0.0.1', port), null);
});

test('directories: an existing or creatable one is writable; one under a file is not', async () => {
  assert.equal(await writeProblem(scratch), null);
  assert.equal(await writeProblem(join(scratch, 'new/deeper')), null);
  const file = join(scratch, 'a-file');
  await writeFile(file, '');
  assert.match((await writeProblem(join(file, 'recordings')))!, /a-file is not a directory/);
  // /proc takes no new directories, root or not.
  assert.match((await writeProblem('/proc/roomcast-recordings'))!, /cannot write in \/proc/);
  const report = await runDoctor({
    roles: ['collector'],
    captures: ['test'],
    ports: [],
    dirs: [{ key: 'collector.recording.dir', path: join(file, 'recordings') }],
  }, { machine: fakeMachine() });
  assert.equal(report.ok, false);
  assert.match(
    problemLines(report)[0]!,
    /collector\.recording\.dir.*not a directory; fix its permissions or set another directory/,
  );
});

test("the real listings parse: gst-inspect-1.0's factories, ffmpeg's components", async () => {
  const gst = parseGstInspectList(execFileSync('gst-inspect-1.0', [], { encoding: 'utf8' }));
  for (const name of ['queue', 'x264enc', 'flvmux', 'timeoverlay']) assert.ok(gst.has(name), name);
  assert.ok(!gst.has('coreelements'));
  const list = (flag: string) =>
    execFileSync('ffmpeg', ['-hide_banner', flag], { encoding: 'utf8' });
  assert.ok(parseFfmpegList('encoder', list('-encoders')).has('libx264'));
  assert.ok(!parseFfmpegList('encoder', list('-encoders')).has('='));
  assert.ok(parseFfmpegList('muxer', list('-muxers')).has('hls'));
  assert.ok(parseFfmpegList('demuxer', list('-demuxers')).has('mp4'), 'mov,mp4,… splits');
  assert.ok(parseFfmpegList('filter', list('-filters')).has('setsar'));
  const protocols = parseFfmpegList('protocol', list('-protocols'));
  assert.ok(protocols.has('rtmp') && !protocols.has('Input:'));
  // And the machine answers through them.
  const machine = localMachine();
  assert.ok((await machine.ffmpegComponents('encoder'))!.has('libvpx-vp9'));
  assert.ok((await machine.gstFactories())!.has('rtmp2sink'));
});
