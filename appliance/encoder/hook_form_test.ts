import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHookForm } from './hook_form.ts';

const common = 'app=live&flashver=FMLE%2F3.0&swfurl=&tcurl=rtmp%3A%2F%2F127.0.0.1%2Flive' +
  '&pageurl=&addr=10.1.2.3&clientid=12';

test('publish: the name is the stream key, for the relay only', () => {
  const parsed = parseHookForm('publish', `${common}&call=publish&name=rk_secret&type=live`);
  assert.deepEqual(parsed, {
    ok: true,
    hook: {
      hook: 'publish',
      app: 'live',
      streamKey: 'rk_secret',
      clientId: '12',
      addr: '10.1.2.3',
    },
  });
});

test("a publisher's appended arguments cannot replace nginx's fields", () => {
  const parsed = parseHookForm(
    'publish',
    `${common}&call=publish&name=rk_secret&type=live&clientid=99&app=other&call=play`,
  );
  assert.ok(parsed.ok);
  assert.equal(parsed.hook.hook === 'publish' && parsed.hook.clientId, '12');
  assert.equal(parsed.hook.app, 'live');
});

test('update: publisher and player updates are told apart; the key in `name` is dropped', () => {
  const publisher = parseHookForm('update', `${common}&call=update_publish&time=15&name=rk_secret`);
  assert.deepEqual(publisher, {
    ok: true,
    hook: { hook: 'update', app: 'live', clientId: '12', time: 15, player: false },
  });
  const player = parseHookForm('update', `${common}&call=update_play&time=3&name=hall`);
  assert.ok(player.ok && player.hook.hook === 'update' && player.hook.player);
  assert.ok(!JSON.stringify(publisher).includes('rk_secret'));
});

test('malformed forms are refused naming the field, never echoing a value', () => {
  const noKey = parseHookForm('publish', `${common}&call=publish&name=`);
  assert.deepEqual(noKey, { ok: false, reason: 'no stream key given' });
  const badClient = parseHookForm(
    'publish',
    'call=publish&app=live&addr=1.2.3.4&clientid=abc&name=rk_secret',
  );
  assert.equal(badClient.ok, false);
  assert.match(!badClient.ok ? badClient.reason : '', /clientid/);
  assert.ok(!JSON.stringify(badClient).includes('rk_secret'));
  const wrongCall = parseHookForm('publish-done', `${common}&call=publish&name=x`);
  assert.equal(wrongCall.ok, false);
});
