import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chatPath, eventsUrl, roomPlace, socketUrl } from './chat_api.ts';

test('the socket goes to the page host: ws beside http, wss beside https, after when resuming', () => {
  assert.equal(
    socketUrl('http://127.0.0.1:8080/watch/demo?latency=low', roomPlace('demo'), null),
    'ws://127.0.0.1:8080/api/v1/chat/rooms/demo/ws',
  );
  assert.equal(
    socketUrl('https://live.example/embed/main-hall?chat=1', roomPlace('main-hall'), 0),
    'wss://live.example/api/v1/chat/rooms/main-hall/ws?after=0',
  );
});

test('the event stream, and the paths of a room and of a crew channel', () => {
  assert.equal(eventsUrl(roomPlace('demo'), null), '/api/v1/chat/rooms/demo/events');
  assert.equal(eventsUrl(roomPlace('demo'), 42), '/api/v1/chat/rooms/demo/events?after=42');
  assert.equal(chatPath(roomPlace('a b')), '/api/v1/chat/rooms/a%20b');
  assert.equal(chatPath({ kind: 'crew', id: 'devconf' }), '/api/v1/chat/crew/devconf');
});
