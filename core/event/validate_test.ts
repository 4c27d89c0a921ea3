// Every rule of the event file, one test each, checked on the message an operator reads:
// it must name the file (with line), the room or box, and the key path.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { EventFileError } from './errors.ts';
import { parseEventText } from './parse.ts';
import { validateEventFile } from './validate.ts';

const FIXTURE = new URL('./fixtures/three-rooms.yaml', import.meta.url).pathname;
const EXAMPLE = new URL('../../config/event.example.yaml', import.meta.url).pathname;

type Doc = Record<string, unknown>;

/** A small valid event; tests change one thing at a time. */
function base(): Doc {
  return {
    event: { id: 'devconf-2026', title: 'DevConf 2026' },
    edge: { url: 'https://edge.example.org' },
    encoders: {
      'enc-1.example.org': { nodeId: 'encoder-1', publicUrl: 'https://enc-1.example.org' },
    },
    defaults: {
      collector: {
        source: { kind: 'v4l2', device: '/dev/video0' },
        output: { width: 1280, height: 720, videoKbps: 2500 },
      },
      encoder: { host: 'assign' },
      ladder: [{ name: 'source', codec: 'copy' }],
    },
    rooms: {
      'main-hall': { title: 'Main Hall', collector: { host: 'col-main.venue.lan' } },
      'side-room': { title: 'Side Room', collector: { host: 'col-side.venue.lan' } },
    },
  };
}

function check(doc: unknown, file = 'event.yaml') {
  const text = file.endsWith('.json') ? JSON.stringify(doc, null, 2) : stringify(doc);
  return validateEventFile(parseEventText(text, file), file);
}

/** The issues validation reports for doc (it must fail). */
function issuesOf(doc: unknown): string[] {
  try {
    check(doc);
  } catch (error) {
    if (error instanceof EventFileError) return [...error.issues];
    throw error;
  }
  assert.fail('the event file was accepted');
}

function edit(change: (doc: Doc & { rooms: Record<string, Doc>; defaults: Doc }) => void): Doc {
  const doc = base() as Doc & { rooms: Record<string, Doc>; defaults: Doc };
  change(doc);
  return doc;
}

test('a valid event resolves: defaults merged into rooms, sorted, own keys apart', () => {
  const spec = check(base());
  assert.equal(spec.event.id, 'devconf-2026');
  assert.equal(spec.edgeUrl, 'https://edge.example.org');
  assert.deepEqual(spec.rooms.map((r) => r.id), ['main-hall', 'side-room']);
  const main = spec.rooms[0]!;
  assert.deepEqual(main.collector, {
    host: 'col-main.venue.lan',
    nodeId: 'collector-main-hall',
    settings: {
      source: { kind: 'v4l2', device: '/dev/video0' },
      output: { width: 1280, height: 720, videoKbps: 2500 },
    },
  });
  assert.equal(main.encoderHost, 'assign');
  assert.deepEqual(main.ladder, [{ name: 'source', codec: 'copy' }]);
  assert.deepEqual(spec.encoders.map((e) => [e.host, e.nodeId, e.capacity, e.rooms]), [
    ['enc-1.example.org', 'encoder-1', 3, []],
  ]);
});

test('the three-room fixture and config/event.example.yaml are valid', async () => {
  for (const file of [FIXTURE, EXAMPLE]) {
    const spec = validateEventFile(parseEventText(await readFile(file, 'utf8'), file), file);
    assert.ok(spec.rooms.length >= 3, file);
  }
});

test('JSON event files work too, and a duplicate room id is refused, with its line', () => {
  assert.equal(check(base(), 'event.json').rooms.length, 2);
  const text = stringify(base()).replace(
    /^rooms:\n/m,
    'rooms:\n  main-hall:\n    collector: { host: other.venue.lan }\n',
  );
  assert.throws(
    () => validateEventFile(parseEventText(text, 'dup.yaml'), 'dup.yaml'),
    /dup\.yaml:\d+:\d+: syntax error: Map keys must be unique/,
  );
});

test('a room overrides a value: the merged config keeps the rest of defaults', () => {
  const spec = check(edit((doc) => {
    doc.rooms['main-hall']!.collector = {
      host: 'col-main.venue.lan',
      output: { videoKbps: 4000 },
    };
  }));
  assert.deepEqual(spec.rooms[0]!.collector.settings.output, {
    width: 1280,
    height: 720,
    videoKbps: 4000,
  });
});

test('a room may only override keys that exist in defaults', () => {
  const issues = issuesOf(edit((doc) => {
    doc.rooms['main-hall']!.collector = {
      host: 'col-main.venue.lan',
      output: { fps: 25 }, // a real collector key, but not in defaults
      recording: { dir: '/srv/rec' }, // a real section, not in defaults
    };
  }));
  assert.deepEqual(issues, [
    'event.yaml:30:14: rooms.main-hall.collector.output.fps: a room may only override keys ' +
    'that exist in defaults: add defaults.collector.output.fps first',
    'event.yaml:32:9: rooms.main-hall.collector.recording: a room may only override keys ' +
    'that exist in defaults: add defaults.collector.recording first',
  ]);
});

test('unknown keys are named with what is known there, in rooms and in defaults', () => {
  const issues = issuesOf(edit((doc) => {
    doc.rooms['main-hall']!.collector = { host: 'col-main.venue.lan', output: { bitrate: 1 } };
    doc.rooms['side-room']!.camera = 'left';
    (doc.defaults.collector as Doc).sauce = { kind: 'test' };
    doc.extra = true;
  }));
  assert.deepEqual(issues.map((i) => i.replace(/^event\.yaml:\d+:\d+: /, '')), [
    'defaults.collector.sauce: unknown key (known here: nodeId, edgeUrl, nodeSecret, room, ' +
    'streamKey, source, audio, output, recording, status, heartbeatIntervalSeconds)',
    'rooms.main-hall.collector.output.bitrate: unknown key (known here: width, height, fps, ' +
    'videoKbps, audioKbps, preset, gopSeconds)',
    'rooms.side-room.camera: unknown key (known here: title, collector, encoder, ladder, chat)',
    'extra: unknown key (known here: event, edge, encoders, defaults, rooms)',
  ]);
});

test("bad values name the room and key with the box's own message and what was given", () => {
  const issues = issuesOf(edit((doc) => {
    doc.rooms['main-hall']!.collector = {
      host: 'col-main.venue.lan',
      output: { videoKbps: -5, height: 721 },
      source: { kind: 'hdmi' },
    };
  }));
  assert.deepEqual(issues, [
    'event.yaml:30:20: rooms.main-hall.collector.output.videoKbps: must be > 0 (got -5)',
    'event.yaml:31:17: rooms.main-hall.collector.output.height: must be an even whole number ' +
    'from 90 to 2160 (got 721)',
    "event.yaml:33:15: rooms.main-hall.collector.source.kind: must be one of 'test', 'v4l2', " +
    '\'decklink\' (got "hdmi")',
  ]);
});

test('a bad value in defaults is reported once, under defaults, not once per room', () => {
  const issues = issuesOf(edit((doc) => {
    (doc.defaults.collector as { output: Doc }).output.videoKbps = 'fast';
  }));
  assert.deepEqual(issues, [
    'event.yaml:18:18: defaults.collector.output.videoKbps: must be a whole number > 0 ' +
    '(got "fast")',
  ]);
});

test('secrets in the event file are refused, saying where they go, never echoing them', () => {
  const issues = issuesOf(edit((doc) => {
    doc.adminToken = 'rct_do-not-print-1';
    doc.rooms['main-hall']!.collector = {
      host: 'col-main.venue.lan',
      streamKey: 'rk_do-not-print-2',
    };
    (doc.defaults.collector as Doc).nodeSecret = 'do-not-print-3';
    (doc.encoders as Record<string, Doc>)['enc-1.example.org']!.nodeSecret = 'do-not-print-4';
  }));
  assert.equal(issues.length, 4, issues.join('\n'));
  for (const issue of issues) {
    assert.doesNotMatch(issue, /do-not-print/);
    assert.match(
      issue,
      /secrets never go in the event file: .* of the secrets file given with --secrets/,
    );
  }
  assert.match(issues.join('\n'), /: adminToken: secrets never .*adminToken \(or ROOMCAST_TOKEN\)/);
  assert.match(
    issues.join('\n'),
    /: rooms\.main-hall\.collector\.streamKey: .*stream keys go under rooms\.main-hall\.streamKey/,
  );
  assert.match(
    issues.join('\n'),
    /: defaults\.collector\.nodeSecret: .*node secrets go under nodes\.<node id>\.nodeSecret/,
  );
  assert.match(issues.join('\n'), /: encoders\.enc-1\.example\.org\.nodeSecret: /);
});

test('room ids and hosts are names, not keys: a room called turkey is fine', () => {
  const spec = check(edit((doc) => {
    doc.rooms.turkey = { collector: { host: 'col-turkey.venue.lan' } };
  }));
  assert.deepEqual(spec.rooms.map((r) => [r.id, r.title]), [
    ['main-hall', 'Main Hall'],
    ['side-room', 'Side Room'],
    ['turkey', 'turkey'],
  ]);
});

test('two rooms on one collector host, or a collector that is also an encoder, are refused', () => {
  const issues = issuesOf(edit((doc) => {
    doc.rooms['side-room']!.collector = { host: 'COL-MAIN.venue.lan' };
    doc.rooms.third = { collector: { host: 'enc-1.example.org' } };
  }));
  assert.deepEqual(issues.map((i) => i.replace(/^event\.yaml:\d+:\d+: /, '')), [
    'rooms.side-room.collector.host: COL-MAIN.venue.lan is also the collector of room ' +
    'main-hall: one collector box feeds one room',
    'rooms.third.collector.host: enc-1.example.org is also listed under encoders: a box is a ' +
    'collector or an encoder, not both',
  ]);
});

test('every box needs its own node id', () => {
  const issues = issuesOf(edit((doc) => {
    doc.rooms['side-room']!.collector = { host: 'col-side.venue.lan', nodeId: 'encoder-1' };
  }));
  assert.deepEqual(issues.map((i) => i.replace(/^event\.yaml:\d+:\d+: /, '')), [
    'rooms.side-room.collector.nodeId: node id encoder-1 is also used by ' +
    'encoders.enc-1.example.org.nodeId: every box needs its own node id',
  ]);
});

test('an encoder host must be assign or a listed encoder; pinned rooms fit its capacity', () => {
  const unknown = issuesOf(edit((doc) => {
    doc.rooms['main-hall']!.encoder = { host: 'enc-9.example.org' };
  }));
  assert.deepEqual(unknown.map((i) => i.replace(/^event\.yaml:\d+:\d+: /, '')), [
    "rooms.main-hall.encoder.host: must be 'assign' (the edge places the room by load) or one " +
    'of the hosts under encoders: (enc-1.example.org) (got "enc-9.example.org")',
  ]);

  const full = issuesOf(edit((doc) => {
    (doc.encoders as Record<string, Doc>)['enc-1.example.org']!.capacity = 1;
    doc.defaults.encoder = { host: 'enc-1.example.org' };
  }));
  assert.deepEqual(full.map((i) => i.replace(/^event\.yaml:\d+:\d+: /, '')), [
    'encoders.enc-1.example.org.capacity: enc-1.example.org would carry 2 rooms (main-hall, ' +
    "side-room, through defaults.encoder.host) but its capacity is 1: raise capacity or move rooms to another encoder or to 'assign'",
  ]);
});

test('encoders need a node id and a public URL, and take no edgeUrl or ladder of their own', () => {
  const issues = issuesOf(edit((doc) => {
    doc.encoders = {
      'enc-1.example.org': { ladder: [], edgeUrl: 'https://x.example.org', capacity: 0 },
    };
  }));
  assert.deepEqual(issues.map((i) => i.replace(/^event\.yaml:\d+:\d+: /, '')), [
    'encoders.enc-1.example.org.nodeId: missing: the node id the edge knows this box by ' +
    '(roomcast node add ID --kind encoder)',
    'encoders.enc-1.example.org.publicUrl: missing: the base URL viewers fetch HLS from, like ' +
    'https://enc-1.example.org',
    "encoders.enc-1.example.org.ladder: comes from defaults.ladder (and each room's ladder)",
    'encoders.enc-1.example.org.edgeUrl: comes from edge.url',
    'encoders.enc-1.example.org.capacity: must be a whole number from 1 to 1000 (got 0)',
  ]);
});

test('per-room keys do not belong in defaults; every room needs a collector host', () => {
  const issues = issuesOf(edit((doc) => {
    (doc.defaults.collector as Doc).host = 'col.venue.lan';
    (doc.defaults.collector as Doc).room = 'x';
    doc.defaults.title = 'Room';
    doc.defaults.schedule = { opensAt: '2026-06-01T08:00:00Z' };
    doc.rooms['side-room'] = { title: 'Side Room' };
  }));
  assert.deepEqual(issues.map((i) => i.replace(/^event\.yaml:\d+:\d+: /, '')), [
    'defaults.collector.host: is per room: set it in each room as rooms.<room>.collector.host',
    'defaults.collector.room: is the room id (the key under rooms:)',
    'defaults.title: is per room: set rooms.<room>.title',
    "defaults.schedule: unknown key: rooms have no schedule yet; the event's window is " +
    'event.startsAt and event.endsAt',
    'rooms.side-room.collector: missing: every room needs collector.host, the SSH host of its ' +
    'venue box',
  ]);
});

test('ladders: a room may replace the ladder only when defaults has one; entries are checked', () => {
  const noDefault = issuesOf(edit((doc) => {
    delete doc.defaults.ladder;
    doc.rooms['main-hall']!.ladder = [{ name: 'source', codec: 'copy' }];
  }));
  assert.deepEqual(noDefault.map((i) => i.replace(/^event\.yaml:\d+:\d+: /, '')), [
    'rooms.main-hall.ladder: a room may only override keys that exist in defaults: add ' +
    'defaults.ladder first',
  ]);

  const bad = issuesOf(edit((doc) => {
    doc.rooms['main-hall']!.ladder = [
      { name: 'source', codec: 'copy' },
      { name: 'source', codec: 'h265' },
    ];
    doc.rooms['side-room']!.ladder = Array.from({ length: 13 }, (_, i) => ({
      name: `r${i}`,
      codec: 'audio',
      audioKbps: 64,
    }));
  }));
  assert.deepEqual(bad.map((i) => i.replace(/^event\.yaml:\d+:\d+: /, '')), [
    'rooms.main-hall.ladder[1].name: must be unique in the ladder (entry [0] has the same name) ' +
    '(got "source")',
    "rooms.main-hall.ladder[1].codec: must be one of 'copy', 'h264', 'vp9', 'audio' " +
    '(got "h265")',
    'rooms.side-room.ladder: is refused by the edge: Too big: expected array to have <=12 items',
  ]);
});

test('chat: defaults.chat for every room, a room overrides only what defaults sets; values checked', () => {
  const spec = check(edit((doc) => {
    doc.defaults.chat = { guests: true, slowModeSeconds: 0 };
    doc.rooms['main-hall']!.chat = { slowModeSeconds: 10 };
  }));
  assert.deepEqual(spec.rooms.map((room) => room.chat), [
    { guests: true, slowModeSeconds: 10 },
    { guests: true, slowModeSeconds: 0 },
  ]);
  assert.equal(check(base()).rooms[0]!.chat, null, 'no chat: the edge keeps its own');

  const issues = issuesOf(edit((doc) => {
    doc.defaults.chat = { guests: 'yes', mode: 'loud' };
    doc.rooms['main-hall']!.chat = { links: 'block', colour: 'red' };
    doc.rooms['side-room']!.chat = { mode: 'off', guests: true };
  })).map((issue) => issue.replace(/^event\.yaml:\d+:\d+: /, ''));
  assert.deepEqual(issues.sort(), [
    'defaults.chat.guests: must be true or false (got "yes")',
    'defaults.chat.mode: must be one of open, members, off (got "loud")',
    'rooms.main-hall.chat.colour: unknown key (known here: mode, slowModeSeconds, links, ' +
    'guests, maxLength)',
    'rooms.main-hall.chat.links: a room may only override keys that exist in defaults: add ' +
    'defaults.chat.links first',
  ]);
});

test('event section: id, title and ISO times with a zone; the end after the start', () => {
  const issues = issuesOf(edit((doc) => {
    doc.event = { id: 'DevConf', title: '', startsAt: 'tomorrow', endsAt: '2026-06-01T09:00' };
    doc.edge = { url: 'https://edge.example.org/' };
    doc.rooms['Main Hall'] = { collector: { host: 'col-x.venue.lan' } };
  }));
  assert.deepEqual(issues.map((i) => i.replace(/^event\.yaml:\d+:\d+: /, '')), [
    'event.id: must be 1 to 63 lowercase letters, digits or dashes, starting with a letter or ' +
    'digit (got "DevConf")',
    'event.title: must not be empty (got "")',
    'event.startsAt: must be an ISO 8601 time with a zone, like 2026-06-01T09:00:00Z (got ' +
    '"tomorrow")',
    'event.endsAt: must be an ISO 8601 time with a zone, like 2026-06-01T09:00:00Z (got ' +
    '"2026-06-01T09:00")',
    "edge.url: must be an http(s) URL without a trailing slash, like 'https://live.example.org' " +
    '(got "https://edge.example.org/")',
    'rooms.Main Hall: the room id must be 1 to 63 lowercase letters, digits or dashes, ' +
    'starting with a letter or digit',
  ]);
  const backwards = issuesOf(edit((doc) => {
    doc.event = {
      id: 'e',
      title: 'E',
      startsAt: '2026-06-02T09:00:00Z',
      endsAt: '2026-06-02T10:00:00+02:00',
    };
  }));
  assert.deepEqual(backwards.map((i) => i.replace(/^event\.yaml:\d+:\d+: /, '')), [
    'event.endsAt: must be after event.startsAt (got "2026-06-02T10:00:00+02:00")',
  ]);
});

test('every problem is reported at once', () => {
  const issues = issuesOf(edit((doc) => {
    delete doc.edge;
    doc.rooms['main-hall']!.collector = { host: 'col-main.venue.lan', output: { videoKbps: 0 } };
    doc.rooms['side-room']!.collector = { host: 'col-main.venue.lan', streamKey: 'rk_x' };
    doc.rooms.third = { collector: { host: 'bad host!' } };
  }));
  assert.equal(issues.length, 5, issues.join('\n'));
  assert.deepEqual(issues.map((i) => i.replace(/^event\.yaml(:\d+:\d+)?: ([^:]+):.*$/s, '$2')), [
    'edge',
    'rooms.main-hall.collector.output.videoKbps',
    'rooms.side-room.collector.host',
    'rooms.side-room.collector.streamKey',
    'rooms.third.collector.host',
  ]);
});

test('a file that is not a mapping, or of another type, says so', () => {
  assert.throws(
    () => validateEventFile(parseEventText('- a\n', 'e.yaml'), 'e.yaml'),
    /e\.yaml:1:1: the file: must be a mapping with event:, edge:, defaults: and rooms: \(got a list\)$/,
  );
  assert.throws(() => parseEventText('', 'event.toml'), /event\.toml: unsupported file type/);
});
