import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, NON_CONFIG_ENV, parseConfigText, resolveConfig } from './load.ts';
import { CONFIG_KEYS } from './schema.ts';

const CANARY = 'canary-secret-93f1';

/** The issues of the ConfigError that fn throws (fails the test if it throws nothing else). */
function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    assert.equal(error.message, error.issues.join('\n'));
    return error.issues;
  }
  assert.fail('expected a ConfigError');
}

function file(document: unknown, source = '/etc/roomcast/roomcast.yaml') {
  return { document, source };
}

// The yaml package's Node build reads LOG_TOKENS/LOG_STREAM while parsing, which Deno only
// allows with --allow-env; without it, the YAML tests are skipped (everything else runs).
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

test('loading nothing gives a complete, valid config', () => {
  const config = resolveConfig({});
  assert.equal(config.log.level, 'info');
  assert.deepEqual(config.edge.listen, { host: '127.0.0.1', port: 8080 });
  assert.equal(config.edge.database.url, '');
  assert.deepEqual(config.edge.nodes, { heartbeatIntervalSeconds: 5, downAfterSeconds: 15 });
  assert.deepEqual(config.encoder.ladder.map((r) => `${r.name}:${r.codec}`), [
    'source:copy',
    '720p:h264',
    '480p:h264',
    '360p:h264',
    'audio:audio',
  ]);
  assert.deepEqual(config.collector.output, {
    width: 1280,
    height: 720,
    fps: 30,
    videoKbps: 2500,
    audioKbps: 128,
    preset: 'superfast',
    gopSeconds: 2,
  });
  assert.equal(config.pusher.remoteConfigDir, '/etc/roomcast');
});

test('each config gets its own default objects', () => {
  const first = resolveConfig({});
  first.encoder.ladder.pop();
  first.edge.corsOrigins.push('https://a.example');
  const second = resolveConfig({});
  assert.equal(second.encoder.ladder.length, 5);
  assert.deepEqual(second.edge.corsOrigins, []);
});

test('the file overrides defaults, key by key', () => {
  const config = resolveConfig(file({ edge: { listen: { port: 9000 } }, log: { json: true } }));
  assert.deepEqual(config.edge.listen, { host: '127.0.0.1', port: 9000 });
  assert.equal(config.log.json, true);
  assert.equal(config.log.level, 'info');
});

test('a JSON file works the same as YAML', () => {
  const config = resolveConfig({
    document: parseConfigText('{"edge": {"listen": {"port": 9001}}}', 'roomcast.json'),
  });
  assert.equal(config.edge.listen.port, 9001);
});

test('the environment overrides the file', () => {
  const config = resolveConfig({
    ...file({ edge: { listen: { host: '0.0.0.0', port: 9000 } } }),
    env: { ROOMCAST_EDGE_LISTEN_PORT: '9100' },
  });
  assert.deepEqual(config.edge.listen, { host: '0.0.0.0', port: 9100 });
});

test('env values are coerced by the type of their key', () => {
  const config = resolveConfig({
    env: {
      ROOMCAST_EDGE_MAX_BODY_BYTES: '2048',
      ROOMCAST_LOG_JSON: '1',
      ROOMCAST_ENCODER_HLS_SEGMENT_SECONDS: ' 4 ',
      ROOMCAST_EDGE_CORS_ORIGINS: '["https://a.example","https://b.example:8443"]',
      ROOMCAST_ENCODER_LADDER: '[{"name":"source","codec":"copy"},' +
        '{"name":"webm","codec":"vp9","height":720,"videoKbps":2000,"audioKbps":96}]',
      ROOMCAST_EDGE_DATABASE_URL: 'libsql://db.example.turso.io',
    },
  });
  assert.equal(config.edge.maxBodyBytes, 2048);
  assert.equal(config.log.json, true);
  assert.equal(config.encoder.hls.segmentSeconds, 4);
  assert.deepEqual(config.edge.corsOrigins, ['https://a.example', 'https://b.example:8443']);
  assert.deepEqual(config.encoder.ladder, [
    { name: 'source', codec: 'copy' },
    { name: 'webm', codec: 'vp9', height: 720, videoKbps: 2000, audioKbps: 96 },
  ]);
  assert.equal(config.edge.database.url, 'libsql://db.example.turso.io');
  assert.equal(resolveConfig({ env: { ROOMCAST_LOG_JSON: 'false' } }).log.json, false);
  assert.equal(resolveConfig({ env: { ROOMCAST_LOG_JSON: '0' } }).log.json, false);
});

test('a section given as JSON merges, and its leaf variables win over it', () => {
  const config = resolveConfig({
    env: {
      ROOMCAST_EDGE_LISTEN: '{"host":"0.0.0.0","port":1}',
      ROOMCAST_EDGE_LISTEN_PORT: '8443',
    },
  });
  assert.deepEqual(config.edge.listen, { host: '0.0.0.0', port: 8443 });
});

test('messages quote the key, what is allowed, what was given and where from', () => {
  assert.deepEqual(issuesOf(() => resolveConfig({ env: { ROOMCAST_EDGE_LISTEN_PORT: 'abc' } })), [
    `'edge.listen.port' must be a whole number from 1 to 65535 (got "abc") ` +
    `[from ROOMCAST_EDGE_LISTEN_PORT]`,
  ]);
  const ladder = [
    { name: 'source', codec: 'copy' },
    { name: '720p', codec: 'h264', height: 720, videoKbps: -5, audioKbps: 128 },
  ];
  const encoderFile = file({ encoder: { ladder } }, '/etc/roomcast/encoder.yaml');
  assert.deepEqual(issuesOf(() => resolveConfig(encoderFile)), [
    `'encoder.ladder[1].videoKbps' must be > 0 (got -5) [from /etc/roomcast/encoder.yaml]`,
  ]);
});

test('an unknown key in the file is an error naming it, with a suggestion', () => {
  const issues = issuesOf(() => resolveConfig(file({ edge: { listn: { port: 9000 } } }, 'a.yaml')));
  assert.deepEqual(issues, [
    `'edge.listn' is not a known key (did you mean 'edge.listen'?) [from a.yaml]`,
  ]);
  const ladder = issuesOf(() =>
    resolveConfig(
      file({ encoder: { ladder: [{ name: 'a', codec: 'audio', audioKbs: 64 }] } }, 'b.yaml'),
    )
  );
  assert.ok(
    ladder.includes(
      `'encoder.ladder[0].audioKbs' is not a known key (did you mean 'encoder.ladder[0].audioKbps'?) [from b.yaml]`,
    ),
    ladder.join('\n'),
  );
});

test('an unknown ROOMCAST_ variable is an error; other variables are left alone', () => {
  const issues = issuesOf(() =>
    resolveConfig({ env: { ROOMCAST_EDGE_LISTN_PORT: '9000', HOME: '/root', PATH: '/bin' } })
  );
  assert.deepEqual(issues, [
    `'ROOMCAST_EDGE_LISTN_PORT' is not a known setting (did you mean 'ROOMCAST_EDGE_LISTEN_PORT'?) [from environment]`,
  ]);
  const config = resolveConfig({
    env: {
      ROOMCAST_CONFIG: '/etc/roomcast/roomcast.yaml',
      ROOMCAST_TOKEN: 'x',
      ROOMCAST_EDGE_URL: 'http://edge',
      ROOMCAST_BOOTSTRAP_ADMIN_EMAIL: 'a@b.c',
      ROOMCAST_BOOTSTRAP_ADMIN_PASSWORD: 'pw',
    },
  });
  assert.equal(config.edge.listen.port, 8080);
});

test('the variables that are not config keys do not shadow one', () => {
  const configNames = new Set(CONFIG_KEYS.map((key) => key.env));
  assert.deepEqual(NON_CONFIG_ENV.filter((name) => configNames.has(name)), []);
});

test('all problems are reported together', () => {
  const issues = issuesOf(() =>
    resolveConfig({
      ...file({
        log: { level: 'verbose' },
        edge: { listen: { port: 0 } },
        encoder: { capacity: 2.5 },
        collector: { output: { preset: 'slow' } },
      }, 'all.yaml'),
      env: { ROOMCAST_LOG_JSON: 'yes', ROOMCAST_NOPE: '1' },
    })
  );
  const expected = [
    `'ROOMCAST_NOPE' is not a known setting [from environment]`,
    `'log.level' must be one of 'debug', 'info', 'warn', 'error' (got "verbose") [from all.yaml]`,
    `'log.json' must be true or false (got "yes") [from ROOMCAST_LOG_JSON]`,
    `'edge.listen.port' must be a whole number from 1 to 65535 (got 0) [from all.yaml]`,
    `'encoder.capacity' must be a whole number from 1 to 1000 (got 2.5) [from all.yaml]`,
    `'collector.output.preset' must be one of 'ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium' (got "slow") [from all.yaml]`,
  ];
  assert.deepEqual([...issues].sort(), [...expected].sort());
});

test('a variable with bad JSON is an error naming the variable', () => {
  assert.deepEqual(
    issuesOf(() => resolveConfig({ env: { ROOMCAST_EDGE_CORS_ORIGINS: 'https://a' } })),
    [
      `'edge.corsOrigins' must be JSON text (a list) when set by ROOMCAST_EDGE_CORS_ORIGINS ` +
      `(got text that is not valid JSON) [from ROOMCAST_EDGE_CORS_ORIGINS]`,
    ],
  );
});

test('values of secret keys never appear in errors', () => {
  const attempts: (() => unknown)[] = [
    () => resolveConfig({ env: { ROOMCAST_EDGE_CLUSTER_SECRET: CANARY } }), // too short
    () => resolveConfig(file({ edge: { database: { authToken: [CANARY] } } })),
    () => resolveConfig(file({ edge: { liveStore: CANARY } })),
    () => resolveConfig({ env: { ROOMCAST_EDGE_LIVE_STORE: `{"token": "${CANARY}"` } }),
    () => resolveConfig({ env: { ROOMCAST_REDIS_BRIDGE_REDIS_URL: `http://:${CANARY}@host:1` } }),
    () => resolveConfig({ env: { ROOMCAST_EDGE_DATABASE_URL: `pg://db?authToken=${CANARY}` } }),
    () => resolveConfig(file({ edge: { clusterSecrt: CANARY } })),
    () => parseConfigText(`{"edge": {"clusterSecret": ${CANARY}}}`, 'bare.json'),
    () => parseConfigText(`{"edge": {"clusterSecret": "${CANARY}}}`, 'open.json'),
  ];
  for (const attempt of attempts) {
    const issues = issuesOf(attempt);
    assert.ok(issues.length > 0);
    for (const issue of issues) assert.ok(!issue.includes(CANARY), `leaked: ${issue}`);
  }
  assert.deepEqual(issuesOf(attempts[0] as () => unknown), [
    `'edge.clusterSecret' must be empty (generated on first start) or at least 32 characters ` +
    `long (value hidden) [from ROOMCAST_EDGE_CLUSTER_SECRET]`,
  ]);
});

test('secret values never appear in YAML syntax errors', { skip: yamlSkip }, () => {
  for (
    const text of [
      `edge:\n  clusterSecret: "${CANARY}\n`,
      `edge:\n  clusterSecret: ${CANARY} x: y\n`,
      `edge:\n  clusterSecret: ${CANARY}\n  clusterSecret: ${CANARY}\n`,
    ]
  ) {
    const issues = issuesOf(() => parseConfigText(text, 'secret.yaml'));
    assert.ok(issues.length > 0);
    for (const issue of issues) assert.ok(!issue.includes(CANARY), `leaked: ${issue}`);
  }
});

test('a YAML syntax error names the file and the line', { skip: yamlSkip }, () => {
  const issues = issuesOf(() =>
    parseConfigText('log:\n  level: info\nedge:\n  listen: {port: 1\n', '/etc/roomcast/bad.yaml')
  );
  assert.equal(issues.length, 1);
  assert.match(issues[0] as string, /^\/etc\/roomcast\/bad\.yaml:5:1: YAML syntax error: /);
  assert.match(
    issuesOf(() => parseConfigText('a: 1\na: 2\n', 'dup.yml'))[0] as string,
    /^dup\.yml:2:1: .*unique/,
  );
});

test('a JSON syntax error names the file and the line', () => {
  assert.deepEqual(issuesOf(() => parseConfigText('{\n  "log": {\n    "json": tru\n}', 'c.json')), [
    'c.json:3:13: JSON syntax error: unexpected value',
  ]);
  assert.deepEqual(issuesOf(() => parseConfigText('{"log": {}', 'd.json')), [
    'd.json:1:11: JSON syntax error: unexpected end of input',
  ]);
});

test('only .yaml, .yml and .json files are read', () => {
  assert.deepEqual(issuesOf(() => parseConfigText('', 'roomcast.toml')), [
    'roomcast.toml: unsupported config file type; use a .yaml, .yml or .json file',
  ]);
});

test('a YAML file that sets nothing (or empty sections) means defaults', { skip: yamlSkip }, () => {
  const empty = (text: string) => ({ document: parseConfigText(text, 'e.yaml'), source: 'e.yaml' });
  assert.deepEqual(resolveConfig(empty('# nothing set\n')), resolveConfig({}));
  assert.deepEqual(resolveConfig(empty('edge:\n  # listen: {}\nlog:\n')), resolveConfig({}));
  const config = resolveConfig(empty('edge:\n  listen:\n    port: 9000\n'));
  assert.equal(config.edge.listen.port, 9000);
});

test('the document must be a mapping', () => {
  assert.deepEqual(issuesOf(() => resolveConfig({ document: [1], source: 'list.json' })), [
    `the config must be a mapping of sections like 'edge:' and 'encoder:' (got a list) [from list.json]`,
  ]);
});

test('liveStore kind upstash needs url and token', () => {
  const issues = issuesOf(() =>
    resolveConfig({ env: { ROOMCAST_EDGE_LIVE_STORE_KIND: 'upstash' } })
  );
  assert.deepEqual(issues, [
    `'edge.liveStore.url' and 'edge.liveStore.token' must both be set when 'edge.liveStore.kind' ` +
    `is 'upstash' (empty: 'edge.liveStore.url', 'edge.liveStore.token') [from ROOMCAST_EDGE_LIVE_STORE_KIND]`,
  ]);
  const config = resolveConfig({
    env: {
      ROOMCAST_EDGE_LIVE_STORE_KIND: 'upstash',
      ROOMCAST_EDGE_LIVE_STORE_URL: 'https://eu1.upstash.io',
      ROOMCAST_EDGE_LIVE_STORE_TOKEN: CANARY,
    },
  });
  assert.equal(config.edge.liveStore.token, CANARY);
});

test('node down time must exceed the heartbeat interval', () => {
  const nodes = file({ edge: { nodes: { heartbeatIntervalSeconds: 20 } } }, 'n.yaml');
  const issues = issuesOf(() => resolveConfig(nodes));
  assert.equal(issues.length, 1);
  assert.match(
    issues[0] as string,
    /^'edge\.nodes\.downAfterSeconds' must be greater than 'edge\.nodes\.heartbeatIntervalSeconds'.*\(got 15 and 20\) \[from n\.yaml\]$/,
  );
});

test('ladder names must be unique, and are checked even when other entries are wrong', () => {
  const ladder = [
    { name: 'source', codec: 'copy' },
    { name: 'hd', codec: 'h264', height: 720, videoKbps: 2800, audioKbps: 128 },
    { name: 'hd', codec: 'vp9', height: 721, videoKbps: 2000, audioKbps: 96 },
    { name: 'x', codec: 'av1' },
  ];
  const issues = issuesOf(() => resolveConfig(file({ encoder: { ladder } }, 'l.yaml')));
  assert.deepEqual([...issues].sort(), [
    `'encoder.ladder[2].height' must be an even whole number from 144 to 2160 (got 721) [from l.yaml]`,
    `'encoder.ladder[2].name' must be unique in the ladder (entry [1] has the same name) (got "hd") [from l.yaml]`,
    `'encoder.ladder[3].codec' must be one of 'copy', 'h264', 'vp9', 'audio' (got "av1") [from l.yaml]`,
  ]);
  assert.deepEqual(issuesOf(() => resolveConfig({ env: { ROOMCAST_ENCODER_LADDER: '[]' } })), [
    `'encoder.ladder' must have at least one rendition (got a list) [from ROOMCAST_ENCODER_LADDER]`,
  ]);
});

test('a __proto__ key in a file is an unknown key, not a prototype', () => {
  const issues = issuesOf(() =>
    resolveConfig({
      document: parseConfigText('{"__proto__": {"x": 1}}', 'p.json'),
      source: 'p.json',
    })
  );
  assert.deepEqual(issues, [`'__proto__' is not a known key [from p.json]`]);
});
