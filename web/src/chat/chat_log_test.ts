import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatEntry, ChatMessage } from '../../../core/wire/chat.ts';
import {
  applyEntries,
  applyWelcome,
  type ChatLog,
  type ChatWelcome,
  EMPTY_LOG,
  MAX_SHOWN,
} from './chat_log.ts';
import { OPEN_ROOM } from './testing.ts';

const SETTINGS = OPEN_ROOM;

const message = (seq: number, text = `m${seq}`): ChatMessage => ({
  kind: 'message',
  channel: 'room:demo',
  seq,
  at: 1_700_000_000_000 + seq,
  author: { id: 'g:1', name: 'guest-abcd', role: 'guest' },
  text,
});

const welcome = (over: Partial<ChatWelcome> = {}): ChatWelcome => ({
  type: 'welcome',
  channel: 'room:demo',
  you: { author: null, canPost: false, reason: 'join the chat to post', canModerate: false },
  settings: SETTINGS,
  history: [],
  reset: false,
  cursor: 0,
  ...over,
});

const seqs = (log: ChatLog) => log.messages.map((m) => m.seq);

test('a join shows the history and starts at the cursor', () => {
  const log = applyWelcome(
    EMPTY_LOG,
    welcome({ history: [message(3), message(5)], cursor: 6 }),
    false,
  );
  assert.deepEqual(seqs(log), [3, 5]);
  assert.equal(log.cursor, 6);
  assert.equal(log.settings, SETTINGS);
  assert.equal(log.you?.canPost, false);
});

test('entries after the cursor are applied once; repeats and older ones are skipped', () => {
  let log = applyWelcome(EMPTY_LOG, welcome({ history: [message(1)], cursor: 1 }), false);
  log = applyEntries(log, [message(2), message(3)]);
  log = applyEntries(log, [message(2), message(3), message(4)]);
  log = applyEntries(log, [message(1)]);
  assert.deepEqual(seqs(log), [1, 2, 3, 4]);
  assert.equal(log.cursor, 4);
  const same = applyEntries(log, [message(3)]);
  assert.equal(same, log, 'nothing new: the same value (no re-render)');
});

test('a resumed welcome keeps what is shown; the missed entries follow', () => {
  let log = applyWelcome(
    EMPTY_LOG,
    welcome({ history: [message(1), message(2)], cursor: 2 }),
    false,
  );
  const newer = { ...SETTINGS, slowModeSeconds: 5 };
  log = applyWelcome(log, welcome({ cursor: 4, settings: newer }), true);
  assert.deepEqual(seqs(log), [1, 2]);
  assert.equal(log.cursor, 2, 'the cursor moves only with the entries themselves');
  assert.equal(log.settings, newer);
  log = applyEntries(log, [message(3), message(4)]);
  assert.deepEqual(seqs(log), [1, 2, 3, 4]);
});

test('a reset drops what is shown and starts again from the history', () => {
  let log = applyWelcome(EMPTY_LOG, welcome({ history: [message(1)], cursor: 1 }), false);
  log = applyWelcome(log, welcome({ reset: true, history: [message(1500)], cursor: 1500 }), true);
  assert.deepEqual(seqs(log), [1500]);
  assert.equal(log.cursor, 1500);
});

test('a fresh join (not resumed) replaces the list even when it had one', () => {
  let log = applyWelcome(EMPTY_LOG, welcome({ history: [message(1)], cursor: 1 }), false);
  log = applyWelcome(log, welcome({ history: [message(1), message(2)], cursor: 2 }), false);
  assert.deepEqual(seqs(log), [1, 2]);
});

test('a delete removes its target; settings change live; both move the cursor', () => {
  let log = applyWelcome(
    EMPTY_LOG,
    welcome({ history: [message(1), message(2)], cursor: 2 }),
    false,
  );
  const off = { ...SETTINGS, mode: 'off' as const };
  const entries: ChatEntry[] = [
    { kind: 'delete', channel: 'room:demo', seq: 3, at: 0, target: 1 },
    { kind: 'settings', channel: 'room:demo', seq: 4, at: 0, settings: off },
  ];
  log = applyEntries(log, entries);
  assert.deepEqual(seqs(log), [2]);
  assert.equal(log.settings, off);
  assert.equal(log.youSettings, SETTINGS, 'what `you` was worked out with stays');
  assert.equal(log.cursor, 4);
  // The delete of a message we never had is harmless.
  log = applyEntries(log, [{ kind: 'delete', channel: 'room:demo', seq: 5, at: 0, target: 99 }]);
  assert.deepEqual(seqs(log), [2]);
});

test('a history out of order or with a seq twice is shown sorted, once', () => {
  const log = applyWelcome(
    EMPTY_LOG,
    welcome({ history: [message(4), message(2), message(4, 'again')], cursor: 4 }),
    false,
  );
  assert.deepEqual(seqs(log), [2, 4]);
});

test(`at most ${MAX_SHOWN} messages are kept, the newest`, () => {
  let log = applyWelcome(EMPTY_LOG, welcome({ cursor: 0 }), false);
  const many = Array.from({ length: MAX_SHOWN + 20 }, (_, i) => message(i + 1));
  log = applyEntries(log, many);
  assert.equal(log.messages.length, MAX_SHOWN);
  assert.equal(log.messages[0]!.seq, 21);
  assert.equal(log.cursor, MAX_SHOWN + 20);
});
