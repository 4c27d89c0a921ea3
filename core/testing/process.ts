// Starts a real program for a test (argv array, never a shell), keeps its output for
// failure messages, and stops it for sure at the end — also when the test process exits
// without reaching its finally blocks.
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';

export interface RunningProcess {
  child: ChildProcess;
  /** stdout and stderr so far, for assertion messages. */
  output(): string;
  /**
   * Resolves once `ready` does. If the program exits first, or `ready` fails, the program
   * is stopped and the error carries its output (plus `diagnostics()`, e.g. a log file).
   */
  whenReady(ready: Promise<unknown>, diagnostics?: () => Promise<string>): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A scratch directory of this program's, removed when it is stopped. */
  removeOnStop?: string;
  /** Give it a stdin the test writes to (`child.stdin`); otherwise it reads /dev/null. */
  withStdin?: boolean;
}

export function startProcess(
  command: string,
  args: string[],
  options: StartOptions = {},
): RunningProcess {
  // Its own process group, so stopping it also ends whatever it started (a wrapper
  // script's real binary would otherwise outlive it and hold the test's pipes open).
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      child.kill(signal); // the group is gone already, or was never made
    }
  };
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const exited = new Promise<void>((resolve) => {
    if (!isRunning()) resolve();
    else child.once('exit', () => resolve());
  });

  const onTestExit = () => {
    if (isRunning()) signalGroup('SIGKILL');
    if (options.removeOnStop) rmSync(options.removeOnStop, { recursive: true, force: true });
  };
  process.once('exit', onTestExit);

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 3000) =>
    stopping ??= (async () => {
      process.removeListener('exit', onTestExit);
      if (isRunning() && child.pid !== undefined) {
        signalGroup('SIGTERM');
        const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      if (options.removeOnStop) await rm(options.removeOnStop, { recursive: true, force: true });
    })();

  const whenReady = async (ready: Promise<unknown>, diagnostics?: () => Promise<string>) => {
    const failed = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once(
        'exit',
        (code, signal) =>
          reject(
            new Error(
              `${basename(command)} exited (code ${code}, signal ${signal}) before it was ready`,
            ),
          ),
      );
    });
    failed.catch(() => {}); // only ever rejects; the race below ends on whichever comes first
    try {
      await Promise.race([ready, failed]);
    } catch (error) {
      await stop();
      const extra = diagnostics ? `\n${await diagnostics()}` : '';
      throw new Error(`${(error as Error).message}\n${output}${extra}`);
    }
  };

  return { child, output: () => output, whenReady, stop };
}
