// Runs the real `roomcast` command the way an operator does (node bin/roomcast.js …) and
// hands back its exit code and output.
import { spawn } from 'node:child_process';
import { ROOMCAST } from './stack.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runRoomcast(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ROOMCAST, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}
