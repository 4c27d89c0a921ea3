import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema } from '../../core/config/schema.ts';
import { type AlertFacts, evaluateRules, type NodeFacts, type RoomFacts } from './rules.ts';

const LIMITS = configSchema.parse({}).edge.alerts;
const NOW = Date.parse('2026-06-01T10:00:00Z');

const room = (overrides: Partial<RoomFacts> = {}): RoomFacts => ({
  id: 'main-hall',
  title: 'Main hall',
  state: 'live',
  awaySince: null,
  silentSeconds: 0,
  output: { blackSeconds: 0, frozenSeconds: 0 },
  ...overrides,
});
const node = (overrides: Partial<NodeFacts> = {}): NodeFacts => ({
  id: 'enc-1',
  kind: 'encoder',
  state: 'up',
  lastHeartbeatAt: NOW - 3000,
  escalated: [],
  ...overrides,
});
const facts = (overrides: Partial<AlertFacts>): AlertFacts => ({
  now: NOW,
  rooms: [],
  nodes: [],
  keyUses: [],
  ...overrides,
});
const keysOf = (f: AlertFacts) => evaluateRules(f, LIMITS).map((c) => c.key);

test('a healthy live room and node: nothing holds', () => {
  assert.deepEqual(keysOf(facts({ rooms: [room()], nodes: [node()] })), []);
});

test('silence, black and frozen output hold from their thresholds on, and only on air', () => {
  const justUnder = room({
    silentSeconds: LIMITS.silenceSeconds - 1,
    output: { blackSeconds: LIMITS.blackSeconds - 1, frozenSeconds: LIMITS.frozenSeconds - 1 },
  });
  assert.deepEqual(keysOf(facts({ rooms: [justUnder] })), []);
  const at = room({
    silentSeconds: LIMITS.silenceSeconds,
    output: { blackSeconds: LIMITS.blackSeconds, frozenSeconds: LIMITS.frozenSeconds },
  });
  const conditions = evaluateRules(facts({ rooms: [at] }), LIMITS);
  assert.deepEqual(conditions.map((c) => c.key), [
    'silence:room:main-hall',
    'outputBlack:room:main-hall',
    'outputFrozen:room:main-hall',
  ]);
  assert.equal(conditions[0]!.message, 'Main hall: no sound for 10 s');
  assert.ok(conditions.every((c) => c.severity === 'critical' && c.roomId === 'main-hall'));
  // Off air, silence and a still picture are what a room looks like.
  assert.deepEqual(keysOf(facts({ rooms: [{ ...at, state: 'offline' }] })), []);
});

test('uplink lost: a room whose publisher went holds after uplinkLostSeconds', () => {
  const away = (seconds: number) =>
    room({ state: 'backSoon', awaySince: NOW - seconds * 1000, silentSeconds: 60 });
  assert.deepEqual(keysOf(facts({ rooms: [away(LIMITS.uplinkLostSeconds - 1)] })), []);
  const [lost] = evaluateRules(facts({ rooms: [away(LIMITS.uplinkLostSeconds + 3)] }), LIMITS);
  assert.equal(lost!.key, 'uplinkLost:room:main-hall');
  assert.match(lost!.message, /publisher is gone \(5 s\); viewers see the slate/);
});

test('a node without heartbeats is stale: critical for an encoder, a warning for a collector', () => {
  const conditions = evaluateRules(
    facts({
      nodes: [
        node({ state: 'down', lastHeartbeatAt: NOW - 40_000 }),
        node({ id: 'box-1', kind: 'collector', state: 'down' }),
        node({ id: 'enc-new', state: 'new', lastHeartbeatAt: null }),
      ],
    }),
    LIMITS,
  );
  assert.deepEqual(
    conditions.map((c) => [c.key, c.severity, c.message]),
    [
      ['nodeStale:node:enc-1', 'critical', 'encoder enc-1: no heartbeat for 40 s'],
      ['nodeStale:node:box-1', 'warning', 'collector box-1: no heartbeat for 3 s'],
    ],
  );
});

test('each escalated watchdog target is its own alert, tied to its room where it names one', () => {
  const conditions = evaluateRules(
    facts({
      nodes: [node({
        escalated: [
          { target: 'room:main-hall', reason: '3 restarts in the hour' },
          { target: 'nginx', reason: 'restarted 3 times' },
        ],
      })],
    }),
    LIMITS,
  );
  assert.deepEqual(conditions.map((c) => [c.key, c.roomId]), [
    ['watchdogEscalated:node:enc-1:room:main-hall', 'main-hall'],
    ['watchdogEscalated:node:enc-1:nginx', null],
  ]);
});

test('a key used from two addresses is a possible leak, named by its hint, never its value', () => {
  const conditions = evaluateRules(
    facts({
      keyUses: [
        { keyId: 'k1', keyHint: 'rk_ab12', roomId: 'main-hall', addresses: 1 },
        { keyId: 'k2', keyHint: 'rk_cd34', roomId: 'side', addresses: 2 },
      ],
    }),
    LIMITS,
  );
  assert.deepEqual(conditions.map((c) => c.key), ['keyLeak:key:k2']);
  assert.match(conditions[0]!.message, /^side: stream key rk_cd34… published from 2 addresses/);
});
