// What the watchdog uses to look at and act on the box: a loopback HTTP GET with a short
// deadline, /proc for whether a pid is still the process we think it is, SIGKILL, and
// systemctl (argv arrays, never a shell).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import process from 'node:process';
import type { z } from 'zod';

export type Probe<T> = { ok: true; value: T } | { ok: false; reason: string };

/** GET a loopback JSON endpoint and validate it; every failure becomes a reason, never a throw. */
export async function getJson<S extends z.ZodType>(
  url: string,
  schema: S,
  timeoutMs: number,
): Promise<Probe<z.infer<S>>> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    if (!response.ok) return { ok: false, reason: `answered ${response.status}` };
    const parsed = schema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        ok: false,
        reason: `answered an unexpected shape (${issue?.path.join('.')}: ${issue?.message})`,
      };
    }
    return { ok: true, value: parsed.data };
  } catch (error) {
    return { ok: false, reason: describeFetchError(error, timeoutMs) };
  }
}

/** GET that only has to answer 200 within the deadline. */
export async function getOk(url: string, timeoutMs: number): Promise<Probe<true>> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok
      ? { ok: true, value: true }
      : { ok: false, reason: `answered ${response.status}` };
  } catch (error) {
    return { ok: false, reason: describeFetchError(error, timeoutMs) };
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as Error & { cause?: { code?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  if (e.cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (e instanceof SyntaxError) return 'answered something that is not JSON';
  return e.cause?.code ?? e.message;
}

export interface ProcessIdentity {
  /** A piece of its command line, e.g. `ffmpeg`. */
  commandIncludes: string;
  /** Its parent's pid, when known: a recycled pid has another parent. */
  parentPid?: number;
}

/** Whether `pid` is (still) the process described; false when it is gone. */
export async function isProcess(pid: number, identity: ProcessIdentity): Promise<boolean> {
  try {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
    if (!cmdline.includes(identity.commandIncludes)) return false;
    if (identity.parentPid === undefined) return true;
    // Field 4 of /proc/<pid>/stat, after the parenthesised command (which may hold spaces).
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return parent === identity.parentPid;
  } catch {
    return false;
  }
}

/** SIGKILL works on a stopped or wedged process too; that is the case we are here for. */
export function kill(pid: number): void {
  process.kill(pid, 'SIGKILL');
}

export interface Systemctl {
  /** `systemctl is-active UNIT`: active, activating, inactive, failed, … */
  activeState(unit: string): Promise<string>;
  /** `systemctl --no-block restart UNIT`: queued; the unit's own readiness says when it is back. */
  restart(unit: string): Promise<void>;
}

const SYSTEMCTL_TIMEOUT_MS = 10_000;

/** The system's systemctl, found on PATH (tests put a fake first). */
export function systemctl(binary = 'systemctl'): Systemctl {
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(binary, args, { timeout: SYSTEMCTL_TIMEOUT_MS }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr || error?.message || '') });
      });
    });
  return {
    async activeState(unit) {
      // is-active exits non-zero for every state but active; the state is on stdout anyway.
      const { stdout, stderr, code } = await run(['is-active', unit]);
      return stdout.trim() || `unknown (systemctl exited ${code}: ${stderr.trim().slice(0, 120)})`;
    },
    async restart(unit) {
      const { code, stderr } = await run(['--no-block', 'restart', unit]);
      if (code !== 0) {
        throw new Error(
          `systemctl restart ${unit} failed (${code}): ${stderr.trim().slice(0, 200)}`,
        );
      }
    },
  };
}
