// How the pusher reaches a box: the system `ssh`, as an argv array (never a shell on our
// side), host keys checked strictly against known_hosts and never written there, no
// password prompts, no agent forwarding. The remote command is one fixed string built
// from checked words only: file contents, secrets included, go through the session's
// stdin (core/push/protocol.ts), never into an argv here or on the box.
import { type BoxKind, isSafeHost, isSafePath } from '../../core/push/protocol.ts';

export interface SshOptions {
  user: string;
  port: number;
  /** Private key; empty: ssh's defaults and agent. */
  identityFile: string;
  /** known_hosts to check host keys against; empty: ssh's default. */
  knownHostsFile: string;
  /** An ssh_config file (-F), e.g. with ProxyJump for venue boxes; empty: ~/.ssh/config. */
  configFile: string;
}

/** How roomcast is started on the boxes: what the units run (systemd/*.service). */
export const DEFAULT_BOX_ROOMCAST = ['/usr/bin/node', '/opt/roomcast/bin/roomcast.js'];

const SAFE_USER = /^[a-z_][a-z0-9_.-]{0,31}$/;

/** `'word'`, for a word already known to hold no quote, space or shell character. */
function quoted(word: string): string {
  if (!/^[A-Za-z0-9._/=-]+$/.test(word)) {
    throw new Error(`not a safe word for a remote command: ${word}`);
  }
  return `'${word}'`;
}

/** `/usr/bin/node /opt/roomcast/bin/roomcast.js` → its words, each an absolute plain path. */
export function parseBoxRoomcast(text: string): string[] {
  const words = text.trim().split(/\s+/);
  if (words.length < 1 || words.length > 2 || !words.every(isSafePath)) {
    throw new Error(
      'must be one or two absolute paths of letters, digits and ._/- (like ' +
        `'${DEFAULT_BOX_ROOMCAST.join(' ')}')`,
    );
  }
  return words;
}

/** The config directory of one box: pusher.remoteConfigDir with `{host}` filled in. */
export function remoteDirFor(template: string, host: string): string {
  const dir = template.replaceAll('{host}', host);
  if (!isSafePath(dir)) {
    throw new Error(
      `the config directory ${JSON.stringify(dir)} must be an absolute path of letters, ` +
        'digits and ._/- (pusher.remoteConfigDir)',
    );
  }
  return dir;
}

/**
 * The command the box runs: `roomcast box session`, through `sudo -n` unless we log in as
 * root (the sudo rule in docs/push.md allows exactly these commands).
 */
export function remoteCommand(options: {
  user: string;
  boxRoomcast: string[];
  kind: BoxKind;
  dir: string;
}): string {
  const words = [
    ...(options.user === 'root' ? [] : ['sudo', '-n', '--']),
    ...options.boxRoomcast,
    'box',
    'session',
    '--kind',
    options.kind,
    '--dir',
    options.dir,
  ];
  return words.map(quoted).join(' ');
}

/** The sudoers line that lets `user` run exactly the pusher's commands as root. */
export function sudoersLines(user: string, boxRoomcast: string[], dir: string): string[] {
  return (['collector', 'encoder'] as const).map((kind) =>
    `${user} ALL=(root) NOPASSWD: ${
      [...boxRoomcast, 'box', 'session', '--kind', kind, '--dir', dir].join(' ')
    }`
  );
}

/** The argv of `ssh` for one box: options first, then `--`, the host and the command. */
export function sshArgv(options: SshOptions, host: string, command: string): string[] {
  if (!isSafeHost(host)) throw new Error(`${JSON.stringify(host)} is not a plain host name`);
  if (!SAFE_USER.test(options.user)) {
    throw new Error(`pusher.ssh.user ${JSON.stringify(options.user)} is not a plain user name`);
  }
  const o = (setting: string) => ['-o', setting];
  return [
    ...(options.configFile ? ['-F', options.configFile] : []),
    '-T', // no terminal: the session is JSON lines
    ...o('BatchMode=yes'), // never ask for a password or passphrase
    ...o('StrictHostKeyChecking=yes'), // an unknown or changed host key ends it
    ...o('UpdateHostKeys=no'), // and nothing is ever written to known_hosts
    ...(options.knownHostsFile ? o(`UserKnownHostsFile=${options.knownHostsFile}`) : []),
    ...(options.identityFile ? ['-i', options.identityFile, ...o('IdentitiesOnly=yes')] : []),
    ...o('ForwardAgent=no'), // a box never gets to use the operator's keys
    ...o('ConnectTimeout=15'),
    // A box that vanishes mid-push (venue network) is noticed within a minute.
    ...o('ServerAliveInterval=15'),
    ...o('ServerAliveCountMax=4'),
    '-p',
    String(options.port),
    '-l',
    options.user,
    '--',
    host,
    command,
  ];
}
