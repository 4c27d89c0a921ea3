// What went wrong with a box, in operator language, from what ssh, sudo, the remote shell
// or `roomcast box` wrote on stderr. A table kept as data (each entry has a test in
// ssh_errors_test.ts); the first match wins, so the specific entries come first.
export interface SshErrorEntry {
  match: RegExp;
  message: string;
}

export const SSH_ERRORS: readonly SshErrorEntry[] = [
  {
    match: /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for \S+ has changed/,
    message: 'host key changed: the box answers with another SSH host key than known_hosts ' +
      'has (a reinstalled box, or someone in between); nothing was sent. Check the new key ' +
      'with whoever runs the box, then replace the line in known_hosts',
  },
  {
    match: /No \S+ host key is known for|Host key verification failed/,
    message: 'host key unknown: the box is not in known_hosts (pusher.ssh.knownHostsFile); ' +
      'nothing was sent. Add its key, checked against the box itself',
  },
  {
    match: /Could not resolve hostname/,
    message: 'unknown host: the name does not resolve (a typo in the event file, or a venue ' +
      'box that needs a Host block in the ssh config)',
  },
  {
    match: /Connection refused/,
    message: 'connection refused: nothing listens for SSH on that port (pusher.ssh.port)',
  },
  {
    match: /Connection timed out|Operation timed out|timed out during banner exchange/,
    message: 'unreachable: the connection timed out (box off, or not routable from here)',
  },
  {
    match: /No route to host|Network is unreachable/,
    message: 'unreachable: no route to the box',
  },
  {
    match: /Timeout, server \S+ not responding|Broken pipe|Connection reset|closed by remote host/,
    message: 'the connection dropped during the push; run it again to see where the box stands',
  },
  {
    match: /Permission denied \(/,
    message: 'login refused: the box does not accept our key for pusher.ssh.user',
  },
  {
    match: /This account is currently not available/,
    message: 'login refused: pusher.ssh.user has no login shell (the service user roomcast ' +
      'cannot log in); use root or a deploy user with the sudo rule (docs/push.md)',
  },
  {
    match:
      /sudo: (a password is required|a terminal is required)|is not in the sudoers file|is not allowed to execute/,
    message: 'sudo refused: install the sudo rule of docs/push.md on the box (or log in as root)',
  },
  {
    match: /sudo: (command )?not found/,
    message: 'sudo is not installed on the box: install it with the rule of docs/push.md, or ' +
      'log in as root',
  },
  {
    match:
      /\/(node|roomcast\.js|roomcast): No such file or directory|(node|roomcast): (command )?not found|Cannot find module/,
    message: 'roomcast is not installed where the pusher looks on the box (--box-roomcast); ' +
      'run provisioning/setup-box.sh there',
  },
  {
    match: /unknown command 'box session'/,
    message: 'the roomcast on the box is older than `roomcast box session`: update it ' +
      '(provisioning/setup-box.sh) to the version of this pusher',
  },
];

/** One line about a failed connection or remote command, from its stderr. */
export function explainSshFailure(stderr: string, exitCode: number | null): string {
  for (const entry of SSH_ERRORS) {
    if (entry.match.test(stderr)) return entry.message;
  }
  // `roomcast box` said why itself (`roomcast: …`), or the last thing ssh printed.
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  const own = lines.find((line) => line.startsWith('roomcast: '));
  if (own) return own.slice('roomcast: '.length);
  const last = lines.at(-1);
  return last ? `ssh: ${last}` : `ssh exited with code ${exitCode ?? 'unknown'} and said nothing`;
}
