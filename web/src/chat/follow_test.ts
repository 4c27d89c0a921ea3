import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAtBottom, unseenCount } from './follow.ts';

test('at the bottom within a line of slack', () => {
  assert.equal(isAtBottom({ scrollTop: 600, scrollHeight: 1000, clientHeight: 400 }), true);
  assert.equal(isAtBottom({ scrollTop: 570, scrollHeight: 1000, clientHeight: 400 }), true);
  assert.equal(isAtBottom({ scrollTop: 500, scrollHeight: 1000, clientHeight: 400 }), false);
  assert.equal(isAtBottom({ scrollTop: 0, scrollHeight: 300, clientHeight: 400 }), true);
});

test('unseen: the messages after the last one in view', () => {
  const list = [1, 2, 5, 9].map((seq) => ({ seq }));
  assert.equal(unseenCount(list, 9), 0);
  assert.equal(unseenCount(list, 2), 2);
  assert.equal(unseenCount(list, 3), 2, 'a deleted message in between');
  assert.equal(unseenCount([], 0), 0);
});
