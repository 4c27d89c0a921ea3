// `event apply` against a whole edge (createTestEdge: real routes, real libSQL in memory),
// reached through the CLI's own edge client with the app as its fetch: plan, dry run,
// apply, and a second apply that finds nothing to do.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { parseEventText } from '../../core/event/parse.ts';
import type { EventSpec } from '../../core/event/spec.ts';
import { validateEventFile } from '../../core/event/validate.ts';
import { createTestEdge, type TestEdge } from '../../edge/testing.ts';
import { createEdgeClient, type EdgeClient } from '../edge_client.ts';
import { applyEvent, applyReport } from './event.ts';

const FIXTURE = new URL('../../core/event/fixtures/three-rooms.yaml', import.meta.url).pathname;

/** The fixture, optionally with its text edited first. */
async function fixture(edit: (text: string) => string = (text) => text): Promise<EventSpec> {
  return validateEventFile(
    parseEventText(edit(await readFile(FIXTURE, 'utf8')), 'three-rooms.yaml'),
    'three-rooms.yaml',
  );
}

async function addNode(edge: TestEdge, id: string, kind: 'encoder' | 'collector') {
  assert.equal((await edge.asOperator('POST', '/api/v1/nodes', { id, kind })).status, 201);
}

/** Each room's pin on the edge. */
async function pins(api: EdgeClient): Promise<Record<string, string | null>> {
  const { rooms } = await api.request<{ rooms: { id: string; encoderNodeId: string | null }[] }>(
    'GET',
    '/rooms',
  );
  return Object.fromEntries(rooms.map((room) => [room.id, room.encoderNodeId]));
}

function clientOf(edge: TestEdge): EdgeClient {
  return createEdgeClient(
    { url: 'http://edge.test', token: edge.adminToken },
    (input, init) => Promise.resolve(edge.app.request(String(input), init)),
  );
}

async function withEdge(body: (edge: TestEdge, api: EdgeClient) => Promise<void>) {
  const edge = await createTestEdge();
  try {
    await body(edge, clientOf(edge));
  } finally {
    await edge.close();
  }
}

const report = (result: Awaited<ReturnType<typeof applyEvent>>, dryRun = false) =>
  applyReport(result, { edge: 'http://edge.test', dryRun });

test('dry run plans everything and changes nothing; apply creates; a second apply is unchanged', async () => {
  const spec = await fixture();
  await withEdge(async (_edge, api) => {
    const dry = await applyEvent(spec, api, { dryRun: true });
    assert.equal(
      report(dry, true),
      [
        'dry run against http://edge.test: nothing was changed; a real run would do this:',
        'event devconf-2026: create',
        'room main-hall: create',
        'room side-room: create',
        'room workshop: create',
      ].join('\n'),
    );
    assert.deepEqual((await api.request<{ events: unknown[] }>('GET', '/events')).events, []);
    assert.deepEqual((await api.request<{ rooms: unknown[] }>('GET', '/rooms')).rooms, []);

    const applied = await applyEvent(spec, api, { dryRun: false });
    assert.equal(applied.failed, false);
    const text = report(applied);
    assert.match(
      text,
      /^applied to http:\/\/edge\.test:\nevent devconf-2026: created\nroom main-hall: created\nroom side-room: created\nroom workshop: created\n\nstream keys of the new rooms \(shown only now; put each in the secrets file as rooms\.<room>\.streamKey\):\n {2}main-hall: rk_\S+\n {2}side-room: rk_\S+\n {2}workshop: rk_\S+$/,
    );

    const event = await api.request<Record<string, unknown>>('GET', '/events/devconf-2026');
    assert.deepEqual(event, {
      id: 'devconf-2026',
      title: 'DevConf 2026',
      state: 'scheduled',
      startsAt: '2026-06-01T08:00:00.000Z',
      endsAt: '2026-06-03T18:00:00.000Z',
    });
    const workshop = await api.request<Record<string, unknown>>('GET', '/rooms/workshop');
    assert.equal(workshop.title, 'Workshop: hands-on');
    assert.equal(workshop.eventId, 'devconf-2026');
    assert.deepEqual(workshop.ladder, [
      { name: 'source', codec: 'copy' },
      { name: 'audio', codec: 'audio', audioKbps: 64 },
    ]);
    const main = await api.request<{ ladder: { name: string }[] }>('GET', '/rooms/main-hall');
    assert.deepEqual(main.ladder.map((r) => r.name), ['source', '720p', '360p', 'audio']);

    const again = await applyEvent(spec, api, { dryRun: false });
    assert.equal(
      report(again),
      [
        'applied to http://edge.test:',
        'event devconf-2026: unchanged',
        'room main-hall: unchanged',
        'room side-room: unchanged',
        'room workshop: unchanged',
      ].join('\n'),
    );
  });
});

test('changes are listed per field; rooms missing from the file are left alone', async () => {
  const spec = await fixture();
  await withEdge(async (_edge, api) => {
    await applyEvent(spec, api, { dryRun: false });
    // Someone changed things by hand, and added a room to the event.
    await api.request('PATCH', '/rooms/side-room', { title: 'Side', ladder: null });
    await api.request('PATCH', '/events/devconf-2026', { endsAt: '2026-06-04T18:00:00Z' });
    await api.request('POST', '/rooms', { id: 'extra', title: 'Extra', eventId: 'devconf-2026' });
    // The same instant in another zone is no change.
    const edited: EventSpec = {
      ...spec,
      event: { ...spec.event, startsAt: '2026-06-01T10:00:00+02:00' },
    };

    const dry = await applyEvent(edited, api, { dryRun: true });
    const expected = [
      'event devconf-2026: update: endsAt "2026-06-04T18:00:00.000Z" → "2026-06-03T18:00:00Z"',
      'room main-hall: unchanged',
      'room side-room: update: title "Side" → "Side Room"; ladder encoder default → source, ' +
      '720p, 360p, audio',
      'room workshop: unchanged',
      'room extra: not in the file; left alone',
    ];
    assert.deepEqual(report(dry, true).split('\n').slice(1), expected);

    const applied = await applyEvent(edited, api, { dryRun: false });
    assert.deepEqual(
      report(applied).split('\n').slice(1),
      expected.map((line) => line.replace(': update:', ': updated:')),
    );
    assert.deepEqual(applied.rooms[1]!.changes.map((c) => c.field), ['title', 'ladder']);
    assert.equal((await api.request<{ title: string }>('GET', '/rooms/extra')).title, 'Extra');

    const again = await applyEvent(edited, api, { dryRun: false });
    assert.ok([again.event, ...again.rooms].every((item) => item.action === 'unchanged'));
    assert.deepEqual(again.leftAlone, [{ id: 'extra', title: 'Extra' }]);
  });
});

test("chat settings come from the file: guests everywhere, slow mode in one room; a moderator's change to them is listed and put back, other settings kept", async () => {
  const spec = await fixture();
  await withEdge(async (edge, api) => {
    await applyEvent(spec, api, { dryRun: false });
    const settings = (room: string) =>
      api.request<Record<string, unknown>>(
        'GET',
        `/chat/rooms/${room}/settings`,
      );
    assert.deepEqual(
      { ...await settings('main-hall') },
      { mode: 'open', slowModeSeconds: 5, links: 'members', guests: true, maxLength: 500 },
    );
    assert.equal((await settings('workshop')).slowModeSeconds, 0);
    assert.equal((await settings('side-room')).guests, true);

    // During the event a moderator turned guests off in the workshop and shortened messages.
    await edge.asOperator('PATCH', '/api/v1/chat/rooms/workshop/settings', {
      guests: false,
      maxLength: 200,
    });
    const dry = await applyEvent(spec, api, { dryRun: true });
    assert.equal(
      report(dry, true).split('\n')[4],
      'room workshop: update: chat.guests false → true',
    );
    await applyEvent(spec, api, { dryRun: false });
    assert.equal((await settings('workshop')).guests, true);
    assert.equal((await settings('workshop')).maxLength, 200, 'a key the file does not set stays');
    const again = await applyEvent(spec, api, { dryRun: false });
    assert.ok(again.rooms.every((room) => room.action === 'unchanged'));
  });
});

test('a room of another event is moved into this one, and says so', async () => {
  const spec = await fixture();
  await withEdge(async (_edge, api) => {
    await api.request('POST', '/events', { id: 'old-conf', title: 'Old' });
    await api.request('POST', '/rooms', {
      id: 'main-hall',
      title: 'Main Hall',
      eventId: 'old-conf',
      ladder: spec.rooms[0]!.ladder,
    });
    const result = await applyEvent(spec, api, { dryRun: false });
    assert.equal(
      report(result).split('\n')[2],
      'room main-hall: updated: eventId "old-conf" → "devconf-2026"; chat.slowModeSeconds 0 → 5',
    );
    assert.equal(result.rooms[0]!.streamKey, undefined, 'no new key for an existing room');
  });
});

test('a change the edge refuses is reported, the other rooms still go ahead', async () => {
  const spec = await fixture();
  await withEdge(async (edge) => {
    const real = clientOf(edge);
    const flaky: EdgeClient = {
      url: real.url,
      request: (method, path, body) =>
        method === 'POST' && path === '/rooms' && (body as { id: string }).id === 'side-room'
          ? Promise.reject(new Error("room 'side-room' exists already"))
          : real.request(method, path, body),
    };
    const result = await applyEvent(spec, flaky, { dryRun: false });
    assert.equal(result.failed, true);
    const lines = report(result).split('\n');
    assert.deepEqual(lines.slice(1, 5), [
      'event devconf-2026: created',
      'room main-hall: created',
      "room side-room: create — FAILED, the edge said: room 'side-room' exists already",
      'room workshop: created',
    ]);
    // Keys of the rooms that were created are still shown: they are shown only once.
    assert.match(lines.join('\n'), /main-hall: rk_\S+\n {2}workshop: rk_\S+$/);
  });
});

test('when the event cannot be created, its rooms are skipped', async () => {
  const spec = await fixture();
  await withEdge(async (edge) => {
    const real = clientOf(edge);
    const refusing: EdgeClient = {
      url: real.url,
      request: (method, path, body) =>
        method === 'POST' && path === '/events'
          ? Promise.reject(new Error('operators only'))
          : real.request(method, path, body),
    };
    const result = await applyEvent(spec, refusing, { dryRun: false });
    assert.deepEqual(report(result).split('\n').slice(1, 3), [
      'event devconf-2026: create — FAILED, the edge said: operators only',
      'room main-hall: create (skipped: event devconf-2026 failed)',
    ]);
    assert.deepEqual((await real.request<{ rooms: unknown[] }>('GET', '/rooms')).rooms, []);
  });
});

test('each room is pinned to the node of its encoder.host; a changed pin is an update; a second apply is unchanged', async () => {
  const spec = await fixture();
  await withEdge(async (edge, api) => {
    await addNode(edge, 'encoder-1', 'encoder');
    await addNode(edge, 'encoder-2', 'encoder');
    const applied = await applyEvent(spec, api, { dryRun: false });
    assert.equal(applied.failed, false);
    assert.deepEqual(applied.warnings, []);
    assert.deepEqual(await pins(api), {
      'main-hall': 'encoder-1',
      'side-room': 'encoder-1',
      workshop: null,
    });
    const again = await applyEvent(spec, api, { dryRun: false });
    assert.ok([again.event, ...again.rooms].every((item) => item.action === 'unchanged'));

    // side-room moves to enc-2; workshop, placed by load so far, is pinned there too.
    const moved = await fixture((text) =>
      text.replace('host: assign', 'host: enc-2.example.org').replace(
        'output: { fps: 25 }',
        'output: { fps: 25 }\n    encoder:\n      host: enc-2.example.org',
      )
    );
    const expected = [
      'room main-hall: unchanged',
      'room side-room: update: encoderNodeId "encoder-1" → "encoder-2"',
      'room workshop: update: encoderNodeId assign → "encoder-2"',
    ];
    const dry = await applyEvent(moved, api, { dryRun: true });
    assert.deepEqual(report(dry, true).split('\n').slice(2), expected);
    assert.equal((await pins(api))['side-room'], 'encoder-1', 'a dry run changes nothing');
    const movedResult = await applyEvent(moved, api, { dryRun: false });
    assert.deepEqual(
      report(movedResult).split('\n').slice(2),
      expected.map((line) => line.replace(': update:', ': updated:')),
    );
    assert.deepEqual(movedResult.rooms[2]!.changes, [
      { field: 'encoderNodeId', from: null, to: 'encoder-2' },
    ]);
    assert.deepEqual(await pins(api), {
      'main-hall': 'encoder-1',
      'side-room': 'encoder-2',
      workshop: 'encoder-2',
    });
    const movedAgain = await applyEvent(moved, api, { dryRun: false });
    assert.ok([movedAgain.event, ...movedAgain.rooms].every((i) => i.action === 'unchanged'));

    // Back to the file as it was: `assign` clears the pin.
    const back = await applyEvent(spec, api, { dryRun: false });
    assert.deepEqual(report(back).split('\n').slice(3), [
      'room side-room: updated: encoderNodeId "encoder-2" → "encoder-1"',
      'room workshop: updated: encoderNodeId "encoder-2" → assign',
    ]);
    assert.equal((await pins(api)).workshop, null);
  });
});

test('a pin to an encoder the edge does not have yet is left off with a warning; adding the node sets it', async () => {
  const spec = await fixture();
  await withEdge(async (edge, api) => {
    const first = await applyEvent(spec, api, { dryRun: false });
    assert.equal(first.failed, false, 'the rooms are created all the same');
    assert.deepEqual(first.warnings, [
      'encoder-1 (enc-1.example.org) is not on the edge yet: main-hall, side-room are placed by ' +
      'load until it is added (roomcast node add encoder-1 --kind encoder), then apply again',
    ]);
    assert.deepEqual(await pins(api), {
      'main-hall': null,
      'side-room': null,
      workshop: null,
    });
    const again = await applyEvent(spec, api, { dryRun: true });
    assert.ok([again.event, ...again.rooms].every((item) => item.action === 'unchanged'));
    assert.equal(again.warnings.length, 1, 'the warning stays until the node is there');

    await addNode(edge, 'encoder-1', 'collector');
    const wrongKind = await applyEvent(spec, api, { dryRun: true });
    assert.deepEqual(wrongKind.warnings, [
      'encoder-1 (enc-1.example.org) is a collector on the edge, not an encoder: main-hall, ' +
      'side-room are placed by load until it is one (roomcast node remove encoder-1, roomcast ' +
      'node add encoder-1 --kind encoder), then apply again',
    ]);
    assert.ok(wrongKind.rooms.every((item) => item.action === 'unchanged'));

    assert.equal((await edge.asOperator('DELETE', '/api/v1/nodes/encoder-1')).status, 200);
    await addNode(edge, 'encoder-1', 'encoder');
    const pinned = await applyEvent(spec, api, { dryRun: false });
    assert.deepEqual(pinned.warnings, []);
    assert.deepEqual(report(pinned).split('\n').slice(2, 5), [
      'room main-hall: updated: encoderNodeId assign → "encoder-1"',
      'room side-room: updated: encoderNodeId assign → "encoder-1"',
      'room workshop: unchanged',
    ]);
    assert.deepEqual(await pins(api), {
      'main-hall': 'encoder-1',
      'side-room': 'encoder-1',
      workshop: null,
    });
  });
});
