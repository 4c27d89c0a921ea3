import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatSettings, ChatYou } from '../../../core/wire/chat.ts';
import { characterCount, noticeOf, noticeText, postingState, sentence } from './posting.ts';
import { OPEN_ROOM } from './testing.ts';

const OPEN = OPEN_ROOM;
const nobody: ChatYou = { author: null, canPost: false, reason: 'x', canModerate: false };
const guest: ChatYou = {
  author: { id: 'g:1', name: 'guest-aaaa', role: 'guest' },
  canPost: true,
  reason: null,
  canModerate: false,
};
const viewer: ChatYou = {
  author: { id: 'a:1', name: 'Ada', role: 'viewer' },
  canPost: true,
  reason: null,
  canModerate: false,
};
const moderator: ChatYou = {
  author: { id: 'a:2', name: 'Mo', role: 'moderator' },
  canPost: true,
  reason: null,
  canModerate: true,
};

const kind = (you: ChatYou, settings: ChatSettings, youSettings = settings) =>
  postingState(you, settings, youSettings).kind;

test('without an identity: join where guests may post, else sign in', () => {
  assert.equal(kind(nobody, OPEN), 'join');
  assert.equal(kind(nobody, { ...OPEN, guests: false }), 'signIn');
  assert.equal(kind(nobody, { ...OPEN, mode: 'members' }), 'membersOnly');
  assert.equal(kind(nobody, { ...OPEN, mode: 'off' }), 'off');
});

test('guests: turned away by members mode or guests off; accounts are not', () => {
  assert.equal(kind(guest, OPEN), 'ready');
  assert.equal(kind(guest, { ...OPEN, mode: 'members' }), 'membersOnly');
  assert.equal(kind(guest, { ...OPEN, guests: false }), 'membersOnly');
  assert.equal(kind(viewer, { ...OPEN, mode: 'members', guests: false }), 'ready');
  assert.equal(kind(viewer, { ...OPEN, mode: 'off' }), 'off');
});

test('moderators may always post', () => {
  assert.equal(kind(moderator, { ...OPEN, mode: 'off' }), 'ready');
});

test('refused at the welcome for something else than the settings: a ban, in its words', () => {
  const banned = { ...guest, canPost: false, reason: 'you are banned from this chat' };
  assert.deepEqual(postingState(banned, OPEN, OPEN), {
    kind: 'blocked',
    reason: 'you are banned from this chat',
  });
  // Refused because chat was off at the welcome; now it is on again: ready.
  const wasOff = { ...guest, canPost: false, reason: 'chat is off in this room' };
  assert.equal(kind(wasOff, OPEN, { ...OPEN, mode: 'off' }), 'ready');
});

test('characters are counted as the edge does: code points, trimmed', () => {
  assert.equal(characterCount('  héllo  '), 5);
  assert.equal(characterCount('👍🏽'), 2, 'an emoji and its skin tone');
  assert.equal(characterCount('𝒳'), 1, 'outside the BMP: one, not two UTF-16 units');
});

test('notices: a sentence, with the wait left while there is one', () => {
  const notice = noticeOf('slow mode: one message every 10 s', 10, 5_000);
  assert.equal(noticeText(notice, 5_000), 'Slow mode: one message every 10 s. Try again in 10 s.');
  assert.equal(noticeText(notice, 14_100), 'Slow mode: one message every 10 s. Try again in 1 s.');
  assert.equal(noticeText(notice, 15_000), 'Slow mode: one message every 10 s.');
  assert.equal(noticeOf('done.', undefined, 0).retryAt, null);
  assert.equal(sentence('Already one!'), 'Already one!');
  assert.equal(sentence(''), '');
});
