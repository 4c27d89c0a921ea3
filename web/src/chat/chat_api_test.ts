import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventsUrl, roomChatPath, socketUrl } from './chat_api.ts';

test('the socket goes to the page host: ws beside http, wss beside https, after when resuming', () => {
  assert.equal(
    socketUrl('http://127.0.0.1:8080/watch/demo?latency=low', 'demo', null),
    'ws://127.0.0.1:8080/api/v1/chat/rooms/demo/ws',
  );
  assert.equal(
    socketUrl('https://live.example/embed/main-hall?chat=1', 'main-hall', 0),
    'wss://live.example/api/v1/chat/rooms/main-hall/ws?after=0',
  );
});

test('the event stream and the room path', () => {
  assert.equal(eventsUrl('demo', null), '/api/v1/chat/rooms/demo/events');
  assert.equal(eventsUrl('demo', 42), '/api/v1/chat/rooms/demo/events?after=42');
  assert.equal(roomChatPath('a b'), '/api/v1/chat/rooms/a%20b');
});
