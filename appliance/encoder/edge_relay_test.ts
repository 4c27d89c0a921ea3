import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryLogger } from '../../core/log.ts';
import { EdgeRequestError } from '../../core/wire/node_client.ts';
import { createEdgeRelay, type RelayedSession } from './edge_relay.ts';

const session: RelayedSession = { clientId: '7', sessionId: 'sess-1', room: 'hall' };

/** A fake edge made of a function: fails while `down` is set, records what got through. */
function fakeEdge() {
  const delivered: { path: string; body: Record<string, unknown> }[] = [];
  const state = { down: null as Error | null, answer: { v: 1, decision: 'continue' } as unknown };
  const client = {
    post(path: string, body: unknown, schema: { parse(value: unknown): unknown }) {
      if (state.down) return Promise.reject(state.down);
      delivered.push({ path, body: body as Record<string, unknown> });
      return Promise.resolve(schema.parse(path.endsWith('update') ? state.answer : {}));
    },
  };
  // deno-lint-ignore no-explicit-any
  return { client: client as any, delivered, state };
}

test('updates and publish-done wait out an edge outage and arrive in order, coalesced', async () => {
  const edge = fakeEdge();
  edge.state.down = new TypeError('fetch failed');
  const logger = createMemoryLogger('encoder');
  const lines = () => logger.lines;
  const relay = createEdgeRelay({
    client: edge.client,
    nodeId: 'enc-1',
    log: logger,
    onCutOff: () => assert.fail('no cut-off expected'),
    sleep: () => new Promise((resolve) => setTimeout(resolve, 1)),
  });
  relay.update(session, 10);
  relay.update(session, 20);
  relay.update(session, 30);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(edge.delivered.length, 0);
  // The first update is in flight (being retried); the later two collapse into the newest.
  assert.equal(relay.pending(), 2);
  relay.publishDone(session);
  assert.equal(relay.pending(), 2, 'a queued update of a finished session is dropped');

  edge.state.down = new EdgeRequestError(503, 'edge is restarting');
  await new Promise((resolve) => setTimeout(resolve, 20));
  edge.state.down = null;
  await relay.drained();
  assert.deepEqual(edge.delivered.map((d) => [d.path, d.body.time ?? null]), [
    ['/node/hooks/update', 10],
    ['/node/hooks/publish-done', null],
  ]);
  assert.ok(lines().some((line) => line.includes('edge unreachable')));
  assert.ok(lines().some((line) => line.includes('catching up')));
  relay.stop();
});

test('only an explicit cutOff decision ends a session; a 4xx answer is dropped, not retried', async () => {
  const edge = fakeEdge();
  const cut: [RelayedSession, string][] = [];
  const logger = createMemoryLogger('encoder');
  const relay = createEdgeRelay({
    client: edge.client,
    nodeId: 'enc-1',
    log: logger,
    onCutOff: (s, reason) => cut.push([s, reason]),
  });
  relay.update(session, 5);
  await relay.drained();
  assert.deepEqual(cut, []);

  edge.state.answer = { v: 1, decision: 'cutOff', reason: 'stream key was revoked' };
  relay.update(session, 10);
  await relay.drained();
  assert.deepEqual(cut, [[session, 'stream key was revoked']]);

  edge.state.down = new EdgeRequestError(404, 'no such node');
  relay.update(session, 15);
  await relay.drained();
  assert.equal(relay.pending(), 0);
  relay.stop();
});

test('publish tells an unreachable edge from a refusal', async () => {
  const edge = fakeEdge();
  const logger = createMemoryLogger('encoder');
  const relay = createEdgeRelay({
    client: edge.client,
    nodeId: 'enc-1',
    log: logger,
    onCutOff() {},
  });
  const request = { clientId: '3', app: 'live', streamKey: 'rk_x', addr: '10.0.0.2' };
  edge.state.down = new TypeError('fetch failed');
  assert.equal((await relay.publish(request)).outcome, 'unreachable');
  edge.state.down = new EdgeRequestError(500, 'boom');
  assert.equal((await relay.publish(request)).outcome, 'unreachable');
  edge.state.down = new EdgeRequestError(401, 'bad signature');
  const refused = await relay.publish(request);
  assert.equal(refused.outcome, 'decided');
  assert.equal(refused.outcome === 'decided' && refused.decision.decision, 'refuse');
  relay.stop();
});
