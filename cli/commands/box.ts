// Commands `roomcast push` runs on a box over SSH (docs/push.md):
//   roomcast box session --kind collector|encoder --dir /etc/roomcast
// JSON lines on stdin and stdout (core/push/protocol.ts); needs root for the config
// directory and systemctl (SSH as root, or the sudo rule of docs/push.md). bin/roomcast.js
// starts these without loading the rest of the CLI: they run on small boxes at every push.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  BOX_KINDS,
  type BoxKind,
  type BoxMessage,
  isSafePath,
  parseEnvText,
} from '../../core/push/protocol.ts';
import type { RoomcastConfig } from '../../core/config/schema.ts';
import { SOFTWARE_VERSION } from '../../core/version.ts';
import type { CommandResult } from '../../provisioning/push/box_apply.ts';
import { runBoxSession } from '../../provisioning/push/box_session.ts';
import { createBoxStore } from '../../provisioning/push/box_store.ts';
import { CliError, type Command } from '../command.ts';

function run(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr: stderr || (error && code !== 0 ? error.message : '') });
    });
  });
}

/** The one line of `nginx -t` that says what is wrong, with the temp path made a line number. */
function nginxVerdict(output: string): string {
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean);
  const line = lines.find((l) => /\[(emerg|alert|crit)\]/.test(l)) ??
    lines.find((l) => !/test failed|syntax is ok/.test(l)) ?? 'failed';
  return line.replace(/^nginx: /, '').replace(/^\[(emerg|alert|crit)\] /, '').replace(
    / in \/\S+:(\d+)$/,
    ' (line $1 of the rendered nginx.conf)',
  );
}

/**
 * `nginx -t` of the conf the encoder agent would render from this config (agent.ts), in
 * a scratch prefix. Runtime-only values (the hook server's port, the playback secret) are
 * stand-ins: the check is about the config's listen addresses, the RTMP module and nginx.
 */
async function nginxCheck(encoder: RoomcastConfig['encoder']): Promise<string | null> {
  const { renderEncoderNginxConf } = await import(
    '../../appliance/encoder/nginx/nginx_conf.ts'
  );
  const { NGINX_BINARY } = await import('../../appliance/encoder/nginx/nginx_process.ts');
  const prefix = await mkdtemp(join(tmpdir(), 'roomcast-nginx-check-'));
  try {
    let conf: string;
    try {
      conf = renderEncoderNginxConf({
        prefix,
        hlsRoot: join(prefix, 'hls'),
        rtmp: encoder.rtmp,
        http: encoder.http,
        hookBaseUrl: 'http://127.0.0.1:9/hooks/check',
        controlSocket: join(prefix, 'control.sock'),
        playbackSecret: '0'.repeat(64),
        corsOrigin: encoder.playerOrigin,
        accessLogPath: join(prefix, 'logs/hls-access.log'),
        runAsUser: null, // the unit runs as roomcast, so the agent renders no `user`
        updateIntervalSeconds: 5,
        idlePublisherSeconds: 10,
      });
    } catch (error) {
      return (error as Error).message;
    }
    await mkdir(join(prefix, 'logs'));
    await mkdir(join(prefix, 'temp'));
    const confPath = join(prefix, 'nginx.conf');
    await writeFile(confPath, conf, { mode: 0o600 });
    const result = await run(NGINX_BINARY, [
      '-t',
      '-p',
      `${prefix}/`,
      '-c',
      confPath,
      '-e',
      join(prefix, 'logs/error.log'),
    ], 30_000);
    if (result.code === 0) return null;
    return `nginx -t: ${nginxVerdict(`${result.stderr}\n${result.stdout}`)}`;
  } finally {
    await rm(prefix, { recursive: true, force: true });
  }
}

/**
 * The box's own checks of a staged config: what `roomcast config check` does with the
 * unit's environment (the .yaml as ROOMCAST_CONFIG, the .env's variables, nothing else),
 * and for an encoder `nginx -t` of the conf its agent would write.
 */
async function validateStaged(kind: BoxKind, staged: string): Promise<string | null> {
  const { ConfigError, loadConfig } = await import('../../core/config/load_file.ts');
  let env: Record<string, string>;
  try {
    env = parseEnvText(await readFile(join(staged, `${kind}.env`), 'utf8'), `${kind}.env`);
  } catch (error) {
    return (error as Error).message;
  }
  let config;
  try {
    config = await loadConfig({ file: join(staged, `${kind}.yaml`), env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const issues = error.issues.map((issue) => issue.replaceAll(`${staged}/`, ''));
    return `roomcast config check: ${issues.join('; ')}`;
  }
  return kind === 'encoder' ? await nginxCheck(config.encoder) : null;
}

export const boxCommands: Command[] = [
  {
    name: 'box session',
    summary: 'On a box: answer `roomcast push` (read, check, switch and restart its config).',
    options: {
      kind: { type: 'string', valueName: 'KIND', description: 'collector or encoder (required)' },
      dir: {
        type: 'string',
        valueName: 'DIR',
        description: 'the config directory (default /etc/roomcast)',
      },
    },
    details: 'Run by `roomcast push` over SSH, not by hand: it reads JSON requests on stdin ' +
      'and answers on stdout (core/push/protocol.ts). Needs to write DIR and run systemctl: ' +
      'run it as root (docs/push.md).',
    async run(ctx) {
      const kind = ctx.options.kind;
      if (typeof kind !== 'string' || !(BOX_KINDS as readonly string[]).includes(kind)) {
        throw new CliError(`--kind must be one of ${BOX_KINDS.join(', ')}`, 2);
      }
      const dir = typeof ctx.options.dir === 'string' ? ctx.options.dir : '/etc/roomcast';
      if (!isSafePath(dir)) {
        throw new CliError('--dir must be an absolute path of letters, digits and ._/-', 2);
      }
      const info = await stat(dir).catch(() => null);
      if (!info?.isDirectory()) {
        throw new CliError(
          `${dir} does not exist on this box: provision it first (provisioning/setup-box.sh)`,
          2,
        );
      }
      // The pusher may go away mid-apply; the apply still runs to its end (box_session.ts).
      process.stdout.on('error', () => {});
      const send = (message: BoxMessage) => {
        process.stdout.write(`${JSON.stringify(message)}\n`);
      };
      const code = await runBoxSession(
        createInterface({ input: process.stdin, crlfDelay: Infinity }),
        send,
        {
          version: SOFTWARE_VERSION,
          store: createBoxStore({ dir, kind: kind as BoxKind }),
          validate: (staged) => validateStaged(kind as BoxKind, staged),
          // A Type=notify start waits for READY=1: up to TimeoutStartSec (120 s) and a stop.
          systemctl: (args) => run('systemctl', args, 600_000),
        },
      );
      if (code !== 0) throw new CliError('the push session ended on a bad request', code);
    },
  },
];
