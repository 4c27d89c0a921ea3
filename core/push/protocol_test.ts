import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  boxMessage,
  boxRequest,
  isSafeHost,
  isSafePath,
  maskEnvText,
  parseEnvText,
} from './protocol.ts';

const NONCE = '0123456789abcdef0123456789abcdef';
const ENV = '# rendered by roomcast\nROOMCAST_COLLECTOR_NODE_SECRET=s3cret\n\nROOMCAST_X=\n';

test('masking an env file keeps comments and names, hides every value', () => {
  const masked = maskEnvText(ENV, NONCE);
  assert.ok(!masked.includes('s3cret'));
  const lines = masked.split('\n');
  assert.equal(lines[0], '# rendered by roomcast');
  assert.match(lines[1]!, /^ROOMCAST_COLLECTOR_NODE_SECRET=<h:[0-9a-f]{24}>$/);
  assert.equal(lines[2], '');
  assert.match(lines[3]!, /^ROOMCAST_X=<h:[0-9a-f]{24}>$/);
});

test('equal values mask equally under one nonce, differently under another', () => {
  assert.equal(maskEnvText(ENV, NONCE), maskEnvText(ENV, NONCE));
  assert.notEqual(maskEnvText(ENV, NONCE), maskEnvText(ENV, 'f'.repeat(32)));
  assert.notEqual(
    maskEnvText(ENV, NONCE),
    maskEnvText(ENV.replace('s3cret', 's3cres'), NONCE),
  );
});

test('a line that is not NAME=VALUE is masked whole', () => {
  const masked = maskEnvText('export A=secret-thing\n', NONCE);
  assert.match(masked, /^<line <h:[0-9a-f]{24}>>\n$/);
});

test('parseEnvText reads NAME=VALUE lines and names a bad line without showing it', () => {
  assert.deepEqual(parseEnvText(ENV, 'collector.env'), {
    ROOMCAST_COLLECTOR_NODE_SECRET: 's3cret',
    ROOMCAST_X: '',
  });
  assert.throws(
    () => parseEnvText('# x\nnot a line with secret-thing\n', 'collector.env'),
    (error: Error) => error.message === 'collector.env line 2 is not NAME=VALUE (line not shown)',
  );
});

test('safe paths and hosts: plain words only', () => {
  assert.ok(isSafePath('/etc/roomcast'));
  assert.ok(isSafePath('/tmp/roomcast-push-x/boxes/col-main.venue.lan/etc/roomcast'));
  for (const bad of ['etc/roomcast', '/etc/../root', "/etc/room'cast", '/etc/room cast', '/a/$x']) {
    assert.ok(!isSafePath(bad), bad);
  }
  assert.ok(isSafeHost('col-main.venue.lan'));
  assert.ok(isSafeHost('10.0.0.7'));
  assert.ok(isSafeHost('fd00::7'));
  for (const bad of ['-oProxyCommand=x', 'a b', 'a;b', '', 'a/b']) assert.ok(!isSafeHost(bad), bad);
});

test('requests and messages: what is not in the protocol is refused', () => {
  assert.ok(boxRequest.safeParse({ op: 'read', nonce: NONCE }).success);
  assert.ok(!boxRequest.safeParse({ op: 'read', nonce: 'short' }).success);
  const file = { path: 'collector.env', content: 'A=b\n', mode: 0o600 };
  assert.ok(boxRequest.safeParse({ op: 'apply', files: [file], settleSeconds: 3 }).success);
  for (
    const bad of [
      { ...file, path: '../collector.env' },
      { ...file, path: 'collector.sh' },
      { ...file, mode: 0o777 },
    ]
  ) {
    assert.ok(!boxRequest.safeParse({ op: 'apply', files: [bad], settleSeconds: 3 }).success);
  }
  assert.ok(boxMessage.safeParse({ type: 'step', step: 'validating' }).success);
  assert.ok(!boxMessage.safeParse({ type: 'step', step: 'dancing' }).success);
});
