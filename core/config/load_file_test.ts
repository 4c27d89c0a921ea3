import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, parseConfigText, resolveConfig } from './load_file.ts';
import { CONFIG_KEYS } from './schema.ts';

const EXAMPLE = fileURLToPath(new URL('../../config/roomcast.example.yaml', import.meta.url));

// The yaml package's Node build reads LOG_TOKENS/LOG_STREAM while parsing, which Deno only
// allows with --allow-env; without it, the tests that read the YAML example are skipped.
const yamlSkip = (() => {
  try {
    parseConfigText('a: 1', 'probe.yaml');
    return false;
  } catch (error) {
    if (error instanceof ConfigError && error.message.includes('--allow-env')) {
      return 'YAML parsing needs --allow-env=LOG_TOKENS,LOG_STREAM on Deno';
    }
    throw error;
  }
})();

test('the example file equals the defaults', { skip: yamlSkip }, async () => {
  const document = parseConfigText(await readFile(EXAMPLE, 'utf8'), EXAMPLE);
  assert.deepEqual(resolveConfig({ document, source: EXAMPLE }), resolveConfig({}));
});

test('the example file spells out every key', { skip: yamlSkip }, async () => {
  const document = parseConfigText(await readFile(EXAMPLE, 'utf8'), EXAMPLE);
  const missing = CONFIG_KEYS.filter((key) => {
    let node: unknown = document;
    for (const part of key.path.split('.')) {
      if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return true;
      node = (node as Record<string, unknown>)[part];
    }
    return false;
  }).map((key) => key.path);
  assert.deepEqual(missing, []);
});

test('loadConfig reads no file by default and takes the env it is given', async () => {
  assert.deepEqual(await loadConfig({ env: {} }), resolveConfig({}));
  const config = await loadConfig({ env: { ROOMCAST_ENCODER_CAPACITY: '7' } });
  assert.equal(config.encoder.capacity, 7);
});

test(
  'loadConfig reads the file named by ROOMCAST_CONFIG, then applies the env',
  { skip: yamlSkip },
  async () => {
    const config = await loadConfig({
      env: { ROOMCAST_CONFIG: EXAMPLE, ROOMCAST_EDGE_LISTEN_PORT: '9001' },
    });
    assert.equal(config.edge.listen.port, 9001);
    assert.deepEqual(await loadConfig({ file: EXAMPLE, env: {} }), resolveConfig({}));
  },
);

test('a missing config file is a ConfigError naming it', async () => {
  const file = '/nonexistent/roomcast.yaml';
  await assert.rejects(loadConfig({ env: { ROOMCAST_CONFIG: file } }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.issues, [`config file ${file} does not exist [from ROOMCAST_CONFIG]`]);
    return true;
  });
});
