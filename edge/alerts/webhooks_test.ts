// Alert webhooks against a real HTTP receiver on loopback: the three body formats, retries
// with backoff and Retry-After, timeouts, the dead-letter list and sending again, and no
// receiver URL (they carry tokens) in any log line or stored error.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWebhookReceiver, type WebhookReceiver } from '../../core/testing/webhook_receiver.ts';
import { configSchema } from '../../core/config/schema.ts';
import { createTestEdge, type TestEdge } from '../testing.ts';
import {
  addNode,
  collectorHeartbeat,
  publishAs,
  registerNode,
  roomWithKey,
} from '../testing_fleet.ts';
import { evaluateAlerts } from './engine.ts';
import { deliverDue } from './webhooks.ts';

let receiver: WebhookReceiver;
before(async () => (receiver = await startWebhookReceiver()));
after(() => receiver.close());

const ALERTS = configSchema.parse({}).edge.alerts;
const TOKEN = 'hook-token-abc123SECRET';

async function edgeWithHooks(
  webhooks: { name: string; path: string; format: 'json' | 'discord' | 'slack' }[],
  extra: Partial<typeof ALERTS> = {},
) {
  const edge = await createTestEdge({
    settings: {
      alerts: {
        ...ALERTS,
        deliveryAttempts: 3,
        deliveryTimeoutSeconds: 1,
        ...extra,
        webhooks: webhooks.map((w) => ({
          name: w.name,
          format: w.format,
          url: `${receiver.url}${w.path}`,
        })),
      },
    },
  });
  receiver.received.length = 0;
  receiver.answer = () => ({ status: 204 });
  return edge;
}

/** A live room gone silent: one alert fires on the next evaluation. */
async function silentRoom(edge: TestEdge) {
  const encoder = await addNode(edge, 'enc-1', 'encoder');
  const collector = await addNode(edge, 'box-1', 'collector');
  await registerNode(edge, encoder);
  await registerNode(edge, collector, 'collector');
  const key = await roomWithKey(edge, 'main-hall', { title: 'Main hall' });
  await publishAs(edge, encoder, key);
  await collectorHeartbeat(edge, collector, 'main-hall', {
    audio: { silentSeconds: 20, clipping: false },
  });
  const { fired } = await evaluateAlerts(edge.deps);
  assert.equal(fired.length, 1);
  return { collector, alert: fired[0]! };
}

const deliveries = async (edge: TestEdge, state = '') =>
  (await (await edge.asOperator(
    'GET',
    `/api/v1/alerts/deliveries${state ? `?state=${state}` : ''}`,
  )).json())
    .deliveries;

test('json, Discord and Slack receivers each get the change in their format, fired and resolved', async () => {
  const edge = await edgeWithHooks([
    { name: 'ops', path: '/json', format: 'json' },
    { name: 'discord', path: `/api/webhooks/1/${TOKEN}`, format: 'discord' },
    { name: 'slack', path: `/services/T0/B0/${TOKEN}`, format: 'slack' },
  ]);
  try {
    const { collector, alert } = await silentRoom(edge);
    assert.equal(await deliverDue(edge.deps), 3);
    const byPath = new Map(receiver.received.map((r) => [r.path.split('/')[1], r]));
    const json = byPath.get('json')!.body as { change: string; alert: Record<string, unknown> };
    assert.equal(json.change, 'fired');
    assert.deepEqual(
      {
        id: json.alert.id,
        rule: json.alert.rule,
        severity: json.alert.severity,
        room: json.alert.room,
      },
      { id: alert.id, rule: 'silence', severity: 'critical', room: 'main-hall' },
    );
    assert.equal(json.alert.message, 'Main hall: no sound for 20 s');
    const discord = byPath.get('api')!.body as { content: string };
    assert.match(
      discord.content,
      /^🔴 critical: Main hall: no sound for 20 s \(http.*\/control\)$/,
    );
    assert.deepEqual(Object.keys(byPath.get('services')!.body as object), ['text']);
    assert.equal(byPath.get('json')!.headers['content-type'], 'application/json');

    await collectorHeartbeat(edge, collector, 'main-hall');
    await evaluateAlerts(edge.deps);
    assert.equal(await deliverDue(edge.deps), 3);
    assert.equal(await deliverDue(edge.deps), 0, 'each change goes out once');
    const resolved = receiver.received.slice(3).map((r) => r.body as Record<string, unknown>);
    assert.ok(resolved.some((b) => b.change === 'resolved'));
    assert.ok(resolved.some((b) => String(b.content ?? '').startsWith('✅ resolved: Main hall')));
    assert.ok((await deliveries(edge)).every((d: { state: string }) => d.state === 'delivered'));
  } finally {
    await edge.close();
  }
});

test('a failing receiver is retried with backoff, then its delivery is dead until sent again', async () => {
  const edge = await edgeWithHooks([{
    name: 'discord',
    path: `/hook/${TOKEN}`,
    format: 'discord',
  }]);
  try {
    receiver.answer = () => ({ status: 500 });
    await silentRoom(edge);
    assert.equal(await deliverDue(edge.deps), 0);
    assert.equal(receiver.received.length, 1);
    assert.equal(await deliverDue(edge.deps), 0, 'not again before its backoff');
    assert.equal(receiver.received.length, 1);
    edge.advance(1000);
    await deliverDue(edge.deps);
    assert.equal(receiver.received.length, 2, 'second attempt after 1 s');
    edge.advance(4999);
    await deliverDue(edge.deps);
    assert.equal(receiver.received.length, 2, 'the third waits 5 s');
    edge.advance(1);
    await deliverDue(edge.deps);
    assert.equal(receiver.received.length, 3);

    const [dead] = await deliveries(edge, 'dead');
    assert.equal(dead.attempts, 3);
    assert.equal(dead.lastError, 'HTTP 500');
    assert.equal(dead.webhook, 'discord');
    edge.advance(3_600_000);
    await deliverDue(edge.deps);
    assert.equal(receiver.received.length, 3, 'a dead delivery is not tried again by itself');

    receiver.answer = () => ({ status: 200 });
    const retry = await edge.asOperator('POST', `/api/v1/alerts/deliveries/${dead.id}/retry`);
    assert.equal(retry.status, 200);
    assert.equal(await deliverDue(edge.deps), 1);
    assert.deepEqual(await deliveries(edge, 'dead'), []);
    const again = await edge.asOperator('POST', `/api/v1/alerts/deliveries/${dead.id}/retry`);
    assert.equal(again.status, 409, 'only a dead one');
    assert.equal(
      (await edge.asOperator('POST', '/api/v1/alerts/deliveries/nope/retry')).status,
      404,
    );

    const text = JSON.stringify([edge.logLines, await deliveries(edge)]);
    assert.ok(!text.includes(TOKEN), 'the receiver URL is in no log line or delivery');
  } finally {
    await edge.close();
  }
});

test("a 429's Retry-After is followed; a receiver that never answers times out", async () => {
  const edge = await edgeWithHooks([{ name: 'slack', path: '/slow', format: 'slack' }]);
  try {
    receiver.answer = (_, index) =>
      index === 0 ? { status: 429, headers: { 'retry-after': '30' } } : { delayMs: Infinity };
    await silentRoom(edge);
    await deliverDue(edge.deps);
    edge.advance(29_000);
    await deliverDue(edge.deps);
    assert.equal(receiver.received.length, 1, 'waits the 30 s it was told');
    edge.advance(1000);
    const started = Date.now();
    await deliverDue(edge.deps);
    assert.equal(receiver.received.length, 2);
    assert.ok(Date.now() - started < 5000, 'gave up after its 1 s timeout');
    const [pending] = await deliveries(edge, 'pending');
    assert.equal(pending.lastError, 'no answer within 1 s');
  } finally {
    await edge.close();
  }
});

test('a receiver nobody listens on, and one removed from the config', async () => {
  const edge = await edgeWithHooks([{ name: 'gone', path: '/x', format: 'json' }]);
  try {
    edge.deps.settings.alerts.webhooks[0]!.url = 'http://127.0.0.1:9/hook';
    await silentRoom(edge);
    await deliverDue(edge.deps);
    const [pending] = await deliveries(edge, 'pending');
    assert.match(pending.lastError, /^could not connect/);
    edge.deps.settings.alerts.webhooks.length = 0;
    edge.advance(1000);
    await deliverDue(edge.deps);
    const [dead] = await deliveries(edge, 'dead');
    assert.equal(dead.lastError, "webhook 'gone' is no longer configured");
  } finally {
    await edge.close();
  }
});
