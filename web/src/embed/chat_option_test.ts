import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chatWanted } from './chat_option.ts';

test('chat only with ?chat=1', () => {
  assert.equal(chatWanted(''), false);
  assert.equal(chatWanted('?latency=low'), false);
  assert.equal(chatWanted('?chat=0'), false);
  assert.equal(chatWanted('?chat=yes'), false);
  assert.equal(chatWanted('?chat=1'), true);
  assert.equal(chatWanted('?latency=low&chat=1'), true);
});
