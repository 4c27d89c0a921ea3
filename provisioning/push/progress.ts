// What `roomcast push` shows while it works. On a terminal, with several boxes: one line
// per box, rewritten in place as it goes (connecting, comparing, validating, restarting,
// done). Otherwise: a plain line per step, fit for a log or a CI job.
import type { Phase } from './push.ts';

export interface Progress {
  update(host: string, phase: Phase, detail?: string): void;
  /** Leaves the display as it is, cursor below it. */
  finish(): void;
}

const WORDS: Record<Phase, string> = {
  waiting: 'waiting',
  connecting: 'connecting',
  diffing: 'comparing',
  staging: 'copying',
  validating: 'validating on the box',
  switching: 'switching',
  restarting: 'restarting',
  checking: 'checking health',
  rollingBack: 'rolling back',
  done: 'done',
  failed: 'failed',
};

export function phaseText(phase: Phase, detail?: string): string {
  const word = WORDS[phase];
  if (phase === 'done' || phase === 'failed') return detail ? `${word}: ${detail}` : word;
  return `${word}…`;
}

export function createProgress(options: {
  hosts: string[];
  /** A live display (a terminal, several hosts); else plain lines. */
  live: boolean;
  write(text: string): void;
  /** Terminal width, to keep each host on one line. */
  columns?: number;
}): Progress {
  const { hosts, live, write } = options;
  const width = Math.max(...hosts.map((host) => host.length));
  const lines = new Map(hosts.map((host) => [host, phaseText('waiting')]));
  const fit = (text: string) => {
    const max = (options.columns ?? 0) - 1;
    return max > 10 && text.length > max ? `${text.slice(0, max - 1)}…` : text;
  };
  const render = () =>
    hosts.map((host) => `\r\x1b[2K${fit(`${host.padEnd(width)}  ${lines.get(host)}`)}\n`).join('');
  let drawn = false;
  return {
    update(host, phase, detail) {
      const text = phaseText(phase, detail);
      if (!live) {
        if (phase !== 'waiting') write(`${host}: ${text}\n`);
        return;
      }
      lines.set(host, text);
      // Back to the top of the block, then every line again.
      write(`${drawn ? `\x1b[${hosts.length}A` : ''}${render()}`);
      drawn = true;
    },
    finish() {
      if (live && !drawn) write(render());
    },
  };
}
