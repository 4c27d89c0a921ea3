import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyAction, type KeyPress } from './keyboard.ts';

const press = (key: string, tagName = 'BODY', extra: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  target: { tagName },
  ...extra,
});

test('the player keys', () => {
  const cases: [string, string][] = [
    [' ', 'togglePlay'],
    ['k', 'togglePlay'],
    ['K', 'togglePlay'],
    ['m', 'toggleMute'],
    ['f', 'toggleFullscreen'],
    ['ArrowUp', 'volumeUp'],
    ['ArrowDown', 'volumeDown'],
    ['ArrowLeft', 'seekBack'],
    ['ArrowRight', 'seekForward'],
    ['l', 'goLive'],
    ['End', 'goLive'],
  ];
  for (const [key, action] of cases) assert.equal(keyAction(press(key)), action, key);
  assert.equal(keyAction(press('x')), null);
  assert.equal(keyAction(press('Tab')), null);
});

test('form fields keep their keys', () => {
  for (const tag of ['INPUT', 'SELECT', 'TEXTAREA', 'input']) {
    assert.equal(keyAction(press('ArrowUp', tag)), null, tag);
    assert.equal(keyAction(press('k', tag)), null, tag);
  }
  assert.equal(
    keyAction(press('m', 'DIV', { target: { tagName: 'DIV', isContentEditable: true } })),
    null,
  );
});

test("space on a button is the button's; other keys still work there", () => {
  assert.equal(keyAction(press(' ', 'BUTTON')), null);
  assert.equal(keyAction(press(' ', 'A')), null);
  assert.equal(keyAction(press('k', 'BUTTON')), 'togglePlay');
  assert.equal(keyAction(press('f', 'BUTTON')), 'toggleFullscreen');
});

test("shortcuts with modifiers stay the browser's", () => {
  assert.equal(keyAction(press('f', 'BODY', { ctrlKey: true })), null);
  assert.equal(keyAction(press('l', 'BODY', { metaKey: true })), null);
  assert.equal(keyAction(press('ArrowLeft', 'BODY', { altKey: true })), null);
  assert.equal(keyAction(press('m', 'BODY', { target: null })), 'toggleMute');
});
