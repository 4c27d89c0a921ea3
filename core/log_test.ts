import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, redactSecrets } from './log.ts';

test('labels, levels and fields in text lines', () => {
  const lines: string[] = [];
  const log = createLogger({
    component: 'encoder',
    level: 'info',
    sink: (_level, line) => lines.push(line),
  });
  log.child({ room: 'main-hall' }).warn('segment late', { seconds: 4 });
  log.debug('not shown at info');
  assert.deepEqual(lines, ['[encoder] [room:main-hall] WARN segment late seconds=4']);
});

test('JSON lines carry component, labels and fields', () => {
  const lines: string[] = [];
  const log = createLogger({
    component: 'edge',
    json: true,
    sink: (_l, line) => lines.push(line),
    now: () => new Date(0),
  });
  log.child({ node: 'enc-1' }).info('registered', { capacity: 3 });
  assert.deepEqual(JSON.parse(lines[0]!), {
    time: '1970-01-01T00:00:00.000Z',
    level: 'info',
    component: 'edge',
    node: 'enc-1',
    msg: 'registered',
    capacity: 3,
  });
});

test('secret-looking values are redacted from messages and fields', () => {
  assert.equal(redactSecrets('rtmp://enc/live?key=rk_abc123&x=1'), 'rtmp://enc/live?key=***&x=1');
  assert.equal(redactSecrets('Authorization: Bearer rct_abcdef'), 'Authorization: Bearer ***');
  assert.equal(redactSecrets('password: hunter2'), 'password: ***');
  const lines: string[] = [];
  const log = createLogger({ component: 'x', sink: (_l, line) => lines.push(line) });
  log.info('publish url=rtmp://h/live?token=canary-93f1', { url: 'http://h/?secret=canary-93f1' });
  assert.ok(!lines.join('').includes('canary-93f1'));
});
