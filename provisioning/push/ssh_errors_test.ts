import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainSshFailure, SSH_ERRORS } from './ssh_errors.ts';

// What ssh, sudo and the remote shell really print (OpenSSH 9.2, sudo 1.9, bash 5.2).
const SAMPLES: [stderr: string, starts: string][] = [
  [
    '@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n' +
    'Host key for col-a.lan has changed and you have requested strict checking.\n' +
    'Host key verification failed.\n',
    'host key changed:',
  ],
  [
    'No ED25519 host key is known for col-a.lan and you have requested strict checking.\n' +
    'Host key verification failed.\n',
    'host key unknown:',
  ],
  ['ssh: Could not resolve hostname col-x.lan: Name or service not known\n', 'unknown host:'],
  ['ssh: connect to host 127.0.0.1 port 42223: Connection refused\n', 'connection refused:'],
  [
    'ssh: connect to host 10.9.9.9 port 22: Connection timed out\n',
    'unreachable: the connection timed out',
  ],
  ['ssh: connect to host 10.9.9.9 port 22: No route to host\n', 'unreachable: no route'],
  ['Timeout, server col-a.lan not responding.\n', 'the connection dropped'],
  ['root@127.0.0.1: Permission denied (publickey).\n', 'login refused: the box does not accept'],
  [
    'This account is currently not available.\n',
    'login refused: pusher.ssh.user has no login shell',
  ],
  ['sudo: a password is required\n', 'sudo refused:'],
  ['bash: line 1: sudo: command not found\n', 'sudo is not installed'],
  [
    'bash: line 1: /opt/roomcast/bin/roomcast.js: No such file or directory\n',
    'roomcast is not installed',
  ],
  ['sudo: /usr/bin/node: command not found\n', 'roomcast is not installed'],
  [
    "roomcast: unknown command 'box session'\n\nroomcast 0.0.9: multi-room live event streaming\n",
    'the roomcast on the box is older',
  ],
];

test('every entry of the table has a sample it explains', () => {
  // The first match wins: each entry needs a sample that no entry before it takes.
  const explained = new Set(SAMPLES.map(([stderr]) => explainSshFailure(stderr, 255)));
  for (const entry of SSH_ERRORS) {
    assert.ok(explained.has(entry.message), `no sample explained as: ${entry.message}`);
  }
});

test('each sample gets its message', () => {
  for (const [stderr, starts] of SAMPLES) {
    assert.ok(explainSshFailure(stderr, 255).startsWith(starts), `${stderr} → ${starts}`);
  }
});

test("roomcast's own words, else ssh's last line, else the exit code", () => {
  assert.equal(
    explainSshFailure('roomcast: /etc/roomcast does not exist on this box: provision it\n', 2),
    '/etc/roomcast does not exist on this box: provision it',
  );
  assert.equal(
    explainSshFailure('kex_exchange_identification: read: reset\n', 255),
    'ssh: kex_exchange_identification: read: reset',
  );
  assert.equal(explainSshFailure('', 255), 'ssh exited with code 255 and said nothing');
});
