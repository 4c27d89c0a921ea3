import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventFileError } from './errors.ts';
import { parseEventText } from './parse.ts';
import { checkSecretsFile } from './secrets.ts';

const read = (text: string) => checkSecretsFile(parseEventText(text, 's.yaml'), 's.yaml');

function issuesOf(text: string): string[] {
  try {
    read(text);
  } catch (error) {
    if (error instanceof EventFileError) return [...error.issues];
    throw error;
  }
  assert.fail('the secrets file was accepted');
}

test('a secrets file gives node secrets by node id, stream keys by room and the admin token', () => {
  const secrets = read(
    [
      'adminToken: rct_AbC-123',
      'nodes:',
      '  collector-main: { nodeSecret: c2VjcmV0/+= }',
      'rooms:',
      '  main: { streamKey: rk_AbC_d-1 }',
    ].join('\n'),
  );
  assert.equal(secrets.adminToken, 'rct_AbC-123');
  assert.deepEqual([...secrets.nodeSecrets], [['collector-main', 'c2VjcmV0/+=']]);
  assert.deepEqual([...secrets.streamKeys], [['main', 'rk_AbC_d-1']]);
  assert.equal(read('').nodeSecrets.size, 0, 'an empty file is no secrets, not an error');
});

test('mistakes are named by key and never show a value', () => {
  const issues = issuesOf(
    [
      'adminToken: ""',
      'nodes:',
      '  collector-main: { nodeSecret: "has space-SECRET1" }',
      '  encoder-1: { nodeSecret: 12345, secret: x-SECRET2 }',
      '  encoder-2: plain-SECRET3',
      'rooms:',
      '  main: { streamKey: "line\\nbreak-SECRET4" }',
      'streamKey: rk_SECRET5',
    ].join('\n'),
  );
  assert.deepEqual(issues, [
    's.yaml:1:13: adminToken: must not be empty',
    's.yaml:3:33: nodes.collector-main.nodeSecret: must be one line of letters, digits and . _ ~ ' +
    '+ / = : - as the edge issues it (value not shown)',
    's.yaml:4:28: nodes.encoder-1.nodeSecret: must be one line of letters, digits and . _ ~ + / ' +
    '= : - as the edge issues it (value not shown)',
    's.yaml:4:43: nodes.encoder-1.secret: unknown key (known here: nodeSecret)',
    's.yaml:5:14: nodes.encoder-2: must be a mapping with nodeSecret (value not shown)',
    's.yaml:7:22: rooms.main.streamKey: must be one line of letters, digits and . _ ~ + / = : - ' +
    'as the edge issues it (value not shown)',
    's.yaml:8:12: streamKey: unknown key (known here: adminToken, nodes, rooms)',
  ]);
  assert.doesNotMatch(issues.join('\n'), /SECRET\d/);
});

test('a YAML syntax error in a secrets file does not quote the line', () => {
  assert.throws(() => read('nodes:\n  a: { nodeSecret: "SECRET6 }\n'), (error: unknown) => {
    assert.ok(error instanceof EventFileError);
    assert.match(error.message, /^s\.yaml:\d+:\d+: syntax error: /);
    assert.doesNotMatch(error.message, /SECRET6/);
    return true;
  });
});
