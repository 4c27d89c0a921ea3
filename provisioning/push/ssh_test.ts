import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import {
  DEFAULT_BOX_ROOMCAST,
  parseBoxRoomcast,
  remoteCommand,
  remoteDirFor,
  sshArgv,
  sudoersLines,
} from './ssh.ts';

const SSH = {
  user: 'deploy',
  port: 2222,
  identityFile: '/home/op/.ssh/roomcast',
  knownHostsFile: '/home/op/.ssh/roomcast_known_hosts',
  configFile: '',
};

test('the ssh argv: strict host keys, batch mode, our key and port, then -- host command', () => {
  assert.deepEqual(sshArgv(SSH, 'col-main.venue.lan', 'CMD'), [
    '-T',
    ...['-o', 'BatchMode=yes'],
    ...['-o', 'StrictHostKeyChecking=yes'],
    ...['-o', 'UpdateHostKeys=no'],
    ...['-o', 'UserKnownHostsFile=/home/op/.ssh/roomcast_known_hosts'],
    ...['-i', '/home/op/.ssh/roomcast', '-o', 'IdentitiesOnly=yes'],
    ...['-o', 'ForwardAgent=no'],
    ...['-o', 'ConnectTimeout=15'],
    ...['-o', 'ServerAliveInterval=15'],
    ...['-o', 'ServerAliveCountMax=4'],
    ...['-p', '2222', '-l', 'deploy', '--', 'col-main.venue.lan', 'CMD'],
  ]);
});

test('empty settings leave ssh its defaults; an ssh_config comes first', () => {
  const argv = sshArgv(
    { ...SSH, identityFile: '', knownHostsFile: '', configFile: '/ops/ssh_config' },
    'h',
    'CMD',
  );
  assert.deepEqual(argv.slice(0, 2), ['-F', '/ops/ssh_config']);
  assert.ok(!argv.includes('-i'));
  assert.ok(!argv.some((arg) => arg.startsWith('UserKnownHostsFile')));
});

test('a host or user that could be an option or shell text is refused', () => {
  assert.throws(() => sshArgv(SSH, '-oProxyCommand=sh', 'CMD'), /not a plain host name/);
  assert.throws(() => sshArgv({ ...SSH, user: 'a b' }, 'h', 'CMD'), /not a plain user name/);
});

test('the remote command: fixed words, each quoted; sudo -n unless root', () => {
  const options = {
    boxRoomcast: DEFAULT_BOX_ROOMCAST,
    kind: 'encoder' as const,
    dir: '/etc/roomcast',
  };
  assert.equal(
    remoteCommand({ ...options, user: 'root' }),
    "'/usr/bin/node' '/opt/roomcast/bin/roomcast.js' 'box' 'session' '--kind' 'encoder' '--dir' '/etc/roomcast'",
  );
  assert.equal(
    remoteCommand({ ...options, user: 'deploy' }),
    "'sudo' '-n' '--' '/usr/bin/node' '/opt/roomcast/bin/roomcast.js' 'box' 'session' '--kind' 'encoder' '--dir' '/etc/roomcast'",
  );
  assert.throws(() => remoteCommand({ ...options, user: 'root', dir: "/etc/x'; rm -rf /" }));
});

test('--box-roomcast and {host} in remoteConfigDir take plain paths only', () => {
  assert.deepEqual(parseBoxRoomcast('/usr/local/bin/roomcast'), ['/usr/local/bin/roomcast']);
  assert.deepEqual(parseBoxRoomcast(' /usr/bin/node  /srv/rc/bin/roomcast.js '), [
    '/usr/bin/node',
    '/srv/rc/bin/roomcast.js',
  ]);
  for (const bad of ['node roomcast.js', '/a /b /c', '/usr/bin/node;id', '']) {
    assert.throws(() => parseBoxRoomcast(bad), /absolute paths/, bad);
  }
  assert.equal(remoteDirFor('/etc/roomcast', 'col-a'), '/etc/roomcast');
  assert.equal(remoteDirFor('/srv/boxes/{host}/etc', 'col-a.lan'), '/srv/boxes/col-a.lan/etc');
  assert.throws(() => remoteDirFor('/srv/{host}', 'fd00::1'), /pusher\.remoteConfigDir/);
});

test('docs/push.md shows the sudo rule the pusher needs, word for word', async () => {
  const docs = await readFile(new URL('../../docs/push.md', import.meta.url), 'utf8');
  for (const line of sudoersLines('roomcast-push', DEFAULT_BOX_ROOMCAST, '/etc/roomcast')) {
    assert.ok(docs.includes(line), `docs/push.md lacks: ${line}`);
  }
});
