// How long a room takes to go live: a throwaway nginx-rtmp, a publisher replaying an FLV in
// real time, and the ladder ffmpeg started at a fixed point of the publisher's GOP, timed
// until every rendition has its first segment — with our input options and with ffmpeg's
// defaults. A measurement for people (numbers in appliance/encoder/ffmpeg/README.md), not a test: nothing asserted.
//
//   node --import tsx bench/encoder_fast_start.ts <publisher.flv>
//
// Env: GOP (the FLV's keyframe interval in s, default 2), PHASE (s after a keyframe to start,
// default 0.5), TRIALS (3), NGINX_LIVE (more nginx `application live` directives, e.g.
// 'wait_key on; wait_video on;'), NO_AUDIO=1 for a video-only FLV, CHEAP=1 for copy + 360p
// + audio instead of the default ladder.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rendition } from '../core/wire/contracts.ts';
import { DEFAULT_LADDER } from '../core/wire/ladder.ts';
import { startNginx } from '../core/testing/nginx.ts';
import { startProcess } from '../core/testing/process.ts';
import {
  buildLadderArgv,
  fastStartInputArgs,
  segmentFileName,
} from '../appliance/encoder/ffmpeg/argv.ts';
import { softwareBackend } from '../appliance/encoder/ffmpeg/backends/software.ts';
import { planLadder } from '../appliance/encoder/ffmpeg/ladder_plan.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: bench/encoder_fast_start.ts <publisher.flv>');
const gop = Number(process.env.GOP ?? 2);
const phase = Number(process.env.PHASE ?? 0.5);
const trials = Number(process.env.TRIALS ?? 3);
const hasAudio = !process.env.NO_AUDIO;
const ladder: readonly Rendition[] = process.env.CHEAP
  ? [DEFAULT_LADDER[0]!, DEFAULT_LADDER[3]!, DEFAULT_LADDER[4]!]
  : DEFAULT_LADDER;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const nginx = await startNginx('server { listen 127.0.0.1:{{port}}; return 204; }', {
  modules: ['/usr/lib/nginx/modules/ngx_rtmp_module.so'],
  ports: ['rtmp'],
  main: `rtmp { server { listen 127.0.0.1:{{rtmp}}; application live { live on; ${
    process.env.NGINX_LIVE ?? ''
  } } } }`,
});
const url = `rtmp://127.0.0.1:${nginx.ports.rtmp}/live/room`;
const publishedAt = performance.now();
const publisher = startProcess('ffmpeg', [
  ...['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', file],
  ...['-c', 'copy', '-f', 'flv', url],
]);
const work = await mkdtemp(join(tmpdir(), 'roomcast-fast-start-'));
try {
  await sleep(3000);
  const options = fastStartInputArgs(hasAudio);
  for (const [name, inputArgs] of [['ours', options], ['defaults', []]] as const) {
    for (let trial = 0; trial < trials; trial++) {
      const at = ((performance.now() - publishedAt) / 1000) % gop;
      await sleep((((phase - at) + 2 * gop) % gop) * 1000);
      const runId = `r${name}${trial}`;
      const roomDir = join(work, runId);
      const plan = planLadder(ladder, { width: 1280, height: 720, fps: 30, hasAudio });
      for (const r of plan) await mkdir(join(roomDir, r.name), { recursive: true });
      const argv = buildLadderArgv(
        { inputUrl: url, renditions: plan, segmentSeconds: 2, roomDir, runId },
        softwareBackend,
      );
      const from = argv.indexOf(options[0]!);
      argv.splice(from, options.length, ...inputArgs);
      const start = performance.now();
      const child = spawn('ffmpeg', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const firsts: string[] = [];
      const pending = new Set(plan.map((r) => r.name));
      while (pending.size > 0 && performance.now() - start < 25_000 && child.exitCode === null) {
        for (const rendition of [...pending]) {
          if (existsSync(join(roomDir, rendition, segmentFileName(runId, 0)))) {
            pending.delete(rendition);
            firsts.push(`${rendition} ${((performance.now() - start) / 1000).toFixed(2)}`);
          }
        }
        await sleep(10);
      }
      if (child.exitCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await gone;
      }
      const failed = pending.size ? ` FAILED: ${stderr.trim().split('\n')[0]}` : '';
      console.log(`${name} #${trial}: ${firsts.join(', ')}${failed}`);
    }
  }
} finally {
  await publisher.stop();
  await nginx.stop();
  await rm(work, { recursive: true, force: true });
}
