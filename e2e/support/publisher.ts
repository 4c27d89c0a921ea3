// A light OBS-like publisher for end-to-end tests: ffmpeg sending a 360p30 test pattern and
// a tone to the stack's nginx-rtmp, H.264 with a keyframe every 2 s and AAC, in real time.
import { type RunningProcess, startProcess } from '../../core/testing/process.ts';

export function startTestPublisher(rtmpPort: number, streamKey: string): RunningProcess {
  // deno-fmt-ignore
  return startProcess('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '60',
    '-pix_fmt', 'yuv420p', '-b:v', '800k', '-c:a', 'aac', '-b:a', '96k',
    '-f', 'flv', `rtmp://127.0.0.1:${rtmpPort}/live/${streamKey}`,
  ]);
}
