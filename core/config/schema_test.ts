import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIG_KEYS, envNameFor, isSecretKey, SECRET_KEY_PATHS } from './schema.ts';

test('envNameFor turns key paths into ROOMCAST_ UPPER_SNAKE names', () => {
  assert.equal(envNameFor('edge.listen.port'), 'ROOMCAST_EDGE_LISTEN_PORT');
  assert.equal(envNameFor('edge.liveStore.url'), 'ROOMCAST_EDGE_LIVE_STORE_URL');
  assert.equal(
    envNameFor('collector.source.deckLinkIndex'),
    'ROOMCAST_COLLECTOR_SOURCE_DECK_LINK_INDEX',
  );
  assert.equal(envNameFor('redisBridge.token'), 'ROOMCAST_REDIS_BRIDGE_TOKEN');
});

test('every key has its own env name and a description', () => {
  const names = CONFIG_KEYS.map((key) => key.env);
  assert.equal(new Set(names).size, names.length, 'two keys map to one env variable');
  const undocumented = CONFIG_KEYS.filter((key) => key.description.trim() === '').map((k) =>
    k.path
  );
  assert.deepEqual(undocumented, []);
  const port = CONFIG_KEYS.find((key) => key.path === 'edge.listen.port');
  assert.deepEqual(port && { kind: port.kind, env: port.env }, {
    kind: 'number',
    env: 'ROOMCAST_EDGE_LISTEN_PORT',
  });
});

test('secret keys are recognised by name', () => {
  assert.deepEqual([...SECRET_KEY_PATHS].sort(), [
    'collector.nodeSecret',
    'collector.streamKey',
    'edge.alerts.webhooks',
    'edge.billing.stripe.secretKey',
    'edge.billing.stripe.webhookSecret',
    'edge.clusterSecret',
    'edge.database.authToken',
    'edge.liveStore.token',
    'edge.mail.http.apiKey',
    'edge.mail.smtp.password',
    'edge.metrics.token',
    'encoder.nodeSecret',
    'redisBridge.token',
  ]);
  assert.equal(isSecretKey('edge.playbackTokenTtlSeconds'), false);
  assert.equal(isSecretKey('admin.bootstrapPassword'), true);
});
