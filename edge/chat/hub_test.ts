// The hub's promise: every entry to every subscriber once, in order, whatever the fan-out
// does (repeats, reorders, loses). Entries are committed to a real libSQL as another edge
// would, and announced (or not) through a bus the test drives.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import type { ChatEntry } from '../../core/wire/chat.ts';
import { createTestEdge, type TestEdge } from '../testing.ts';
import type { ChatBus } from './bus.ts';
import { type ChatHub, createChatHub } from './hub.ts';
import { appendEntry } from './log.ts';

let edge: TestEdge;
let hub: ChatHub;
let announce: (entry: ChatEntry) => void;
const watched = new Set<string>();

const drivenBus: ChatBus = {
  start: (onEntry) => {
    announce = onEntry;
  },
  publish: () => {},
  watch: (channel) => watched.add(channel),
  unwatch: (channel) => watched.delete(channel),
  close: async () => {},
};

beforeEach(async () => {
  edge = await createTestEdge();
  hub = createChatHub(edge.deps, drivenBus, { sweepMs: 100 });
});
afterEach(async () => {
  await hub.close();
  await edge.close();
});

const author = { id: 'g:someone', name: 'guest-abcd', role: 'guest' as const };
/** A message committed by "another edge": in the database, not announced. */
const commitElsewhere = (text: string) =>
  appendEntry(edge.deps, 'room:main', { kind: 'message', author, text, addr: 'x' });

function subscriber() {
  const seqs: number[] = [];
  return {
    seqs,
    send: (frame: string) => {
      const parsed = JSON.parse(frame);
      for (const entry of parsed.type === 'entries' ? parsed.entries : [parsed.entry]) {
        seqs.push(entry.seq);
      }
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

it('repeats are dropped, a gap is filled from the database, order is kept', async () => {
  const viewer = subscriber();
  await hub.join('room:main', viewer, null);
  assert.ok(watched.has('room:main'));
  const entries: ChatEntry[] = [];
  for (let i = 1; i <= 6; i++) entries.push(await commitElsewhere(`m${i}`));
  // Fan-out brings 1, 1 again, then 4 (2 and 3 lost), 3 late, 6, 5.
  for (const i of [0, 0, 3, 2, 5, 4]) announce(entries[i]!);
  await settle();
  assert.deepEqual(viewer.seqs, [1, 2, 3, 4, 5, 6]);
});

it('an entry whose fan-out never came arrives with the sweep', async () => {
  const viewer = subscriber();
  await hub.join('room:main', viewer, null);
  await commitElsewhere('never announced');
  await new Promise((resolve) => setTimeout(resolve, 250));
  assert.deepEqual(viewer.seqs, [1]);
});

it('entries of channels nobody here watches are ignored; leaving stops delivery', async () => {
  const viewer = subscriber();
  await hub.join('room:main', viewer, null);
  hub.leave('room:main', viewer);
  await settle();
  assert.equal(watched.has('room:main'), false);
  announce(await commitElsewhere('after leaving'));
  await settle();
  assert.deepEqual(viewer.seqs, []);
});

it('resuming replays exactly what was missed, then continues live', async () => {
  for (let i = 1; i <= 5; i++) await commitElsewhere(`m${i}`);
  const viewer = subscriber();
  const joined = await hub.join('room:main', viewer, 2);
  assert.deepEqual(joined, { history: [], reset: false, cursor: 5 });
  assert.deepEqual(viewer.seqs, [3, 4, 5]);
  announce(await commitElsewhere('m6'));
  await settle();
  assert.deepEqual(viewer.seqs, [3, 4, 5, 6]);
  // A resume point the channel never reached (another database?) starts over.
  const confused = subscriber();
  const reset = await hub.join('room:main', confused, 99);
  assert.equal(reset.reset, true);
  assert.equal(reset.history.length, 6);
});
