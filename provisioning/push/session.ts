// One SSH session with one box: `ssh … box session`, requests written to its stdin and
// answers read from its stdout as JSON lines (core/push/protocol.ts). Lines that are not
// protocol messages (a chatty login script on the box) are skipped. When ssh ends before
// the answer came, the error says why in operator language (ssh_errors.ts).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import {
  type ApplyRequest,
  type ApplyResult,
  type ApplyStep,
  type BoxMessage,
  boxMessage,
  type BoxState,
} from '../../core/push/protocol.ts';
import { explainSshFailure } from './ssh_errors.ts';

/** What the pusher needs of a box; tests pass fakes made of functions. */
export interface BoxLink {
  read(nonce: string): Promise<BoxState>;
  apply(
    request: Omit<ApplyRequest, 'op'>,
    onStep: (step: ApplyStep) => void,
  ): Promise<ApplyResult>;
  /** Ends the session (stdin closed) and waits for ssh to exit. */
  close(): Promise<void>;
}

/** A box that could not be talked to, or said no; the message is for the summary. */
export class BoxLinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BoxLinkError';
  }
}

const MAX_STDERR = 64 * 1024;

export function openSshSession(argv: string[], sshBinary = 'ssh'): BoxLink {
  const child = spawn(sshBinary, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-MAX_STDERR);
  });
  child.stdin.on('error', () => {}); // ssh gone: the exit below says why

  const queue: BoxMessage[] = [];
  let waiter: (() => void) | undefined;
  let ended: string | undefined;
  const wake = () => {
    waiter?.();
    waiter = undefined;
  };
  createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    let parsed;
    try {
      parsed = boxMessage.safeParse(JSON.parse(line));
    } catch {
      return;
    }
    if (parsed.success) {
      queue.push(parsed.data);
      wake();
    }
  });
  const closed = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      ended = (error as { code?: string }).code === 'ENOENT'
        ? `${sshBinary} is not installed here (Debian: openssh-client)`
        : `cannot start ssh: ${error.message}`;
      wake();
      resolve();
    });
    child.once('close', (code) => {
      ended ??= explainSshFailure(stderr, code);
      wake();
      resolve();
    });
  });

  const next = async (): Promise<BoxMessage> => {
    for (;;) {
      const message = queue.shift();
      if (message) {
        if (message.type === 'error') throw new BoxLinkError(`the box said: ${message.message}`);
        return message;
      }
      if (ended !== undefined) throw new BoxLinkError(ended);
      await new Promise<void>((resolve) => (waiter = resolve));
    }
  };

  const send = (request: unknown) => child.stdin.write(`${JSON.stringify(request)}\n`);

  return {
    async read(nonce) {
      send({ op: 'read', nonce });
      for (;;) {
        const message = await next();
        if (message.type === 'state') return message;
      }
    },
    async apply(request, onStep) {
      send({ op: 'apply', ...request });
      for (;;) {
        const message = await next();
        if (message.type === 'step') onStep(message.step);
        if (message.type === 'result') return message;
      }
    },
    async close() {
      child.stdin.end();
      await closed;
    },
  };
}
