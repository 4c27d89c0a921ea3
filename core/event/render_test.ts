// The render of the three-room fixture, compared byte for byte with the checked-in files
// under fixtures/rendered/<host>/<file>: a change to what boxes get must show up as a
// change to those files in review. After an intended change, regenerate them with
//   UPDATE_EVENT_FIXTURES=1 node --import tsx --test core/event/render_test.ts
// and read the diff.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../config/load_file.ts';
import { EventFileError } from './errors.ts';
import { parseEventText } from './parse.ts';
import { type BoxConfig, renderBoxConfigs } from './render.ts';
import { checkSecretsFile, type EventSecrets } from './secrets.ts';
import type { EventSpec } from './spec.ts';
import { validateEventFile } from './validate.ts';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const EVENT_FILE = join(FIXTURES, 'three-rooms.yaml');
const SECRETS_FILE = join(FIXTURES, 'three-rooms.secrets.yaml');
const RENDERED = join(FIXTURES, 'rendered');

async function fixture(): Promise<{ event: EventSpec; secrets: EventSecrets }> {
  const event = validateEventFile(
    parseEventText(await readFile(EVENT_FILE, 'utf8'), 'three-rooms.yaml'),
    'three-rooms.yaml',
  );
  const secrets = checkSecretsFile(
    parseEventText(await readFile(SECRETS_FILE, 'utf8'), 'three-rooms.secrets.yaml'),
    'three-rooms.secrets.yaml',
  );
  return { event, secrets };
}

/** Every file under dir as `<host>/<file>` → content. */
async function readTree(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const host of (await readdir(dir)).sort()) {
    for (const name of (await readdir(join(dir, host))).sort()) {
      files.set(`${host}/${name}`, await readFile(join(dir, host, name), 'utf8'));
    }
  }
  return files;
}

function asTree(boxes: BoxConfig[]): Map<string, string> {
  return new Map(
    boxes.flatMap((box) => box.files.map((f) => [`${box.host}/${f.path}`, f.content])),
  );
}

test('the three-room fixture renders exactly the checked-in files', async () => {
  const { event, secrets } = await fixture();
  const rendered = asTree(renderBoxConfigs(event, secrets));
  if (process.env.UPDATE_EVENT_FIXTURES === '1') {
    await rm(RENDERED, { recursive: true, force: true });
    for (const [path, content] of rendered) {
      await mkdir(join(RENDERED, path, '..'), { recursive: true });
      await writeFile(join(RENDERED, path), content);
    }
  }
  const expected = await readTree(RENDERED);
  assert.deepEqual([...rendered.keys()].sort(), [...expected.keys()].sort(), 'the same files');
  for (const [path, content] of rendered) {
    assert.equal(content, expected.get(path), `${path} differs from fixtures/rendered/${path}`);
  }
});

test('one box per collector and encoder host, sorted, with the right kinds, rooms and modes', async () => {
  const { event, secrets } = await fixture();
  const boxes = renderBoxConfigs(event, secrets);
  assert.deepEqual(
    boxes.map((box) => [box.host, box.kind, box.rooms, box.files.map((f) => [f.path, f.mode])]),
    [
      ['col-main.venue.lan', 'collector', ['main-hall'], [['collector.yaml', 0o640], [
        'collector.env',
        0o600,
      ]]],
      ['col-side.venue.lan', 'collector', ['side-room'], [['collector.yaml', 0o640], [
        'collector.env',
        0o600,
      ]]],
      ['col-workshop.venue.lan', 'collector', ['workshop'], [['collector.yaml', 0o640], [
        'collector.env',
        0o600,
      ]]],
      ['enc-1.example.org', 'encoder', ['main-hall', 'side-room'], [['encoder.yaml', 0o640], [
        'encoder.env',
        0o600,
      ]]],
      ['enc-2.example.org', 'encoder', [], [['encoder.yaml', 0o640], ['encoder.env', 0o600]]],
    ],
  );
  for (const box of boxes) {
    for (const file of box.files) {
      assert.match(file.content, /^# rendered by roomcast from devconf-2026; do not edit\n/);
    }
  }
});

test('every rendered config loads with the real config loader, secrets only from the env file', async () => {
  const { event, secrets } = await fixture();
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-render-'));
  const secretValues = [...secrets.nodeSecrets.values(), ...secrets.streamKeys.values()];
  try {
    for (const box of renderBoxConfigs(event, secrets)) {
      const [config, envFile] = box.files;
      for (const secret of secretValues) {
        assert.ok(!config!.content.includes(secret), `${box.host}: no secret in ${config!.path}`);
      }
      const path = join(dir, `${box.host}-${config!.path}`);
      await writeFile(path, config!.content);
      const env = Object.fromEntries(
        envFile!.content.split('\n').filter((line) => line && !line.startsWith('#')).map((
          line,
        ) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      const loaded = await loadConfig({ file: path, env });
      if (box.kind === 'collector') {
        const room = event.rooms.find((r) => r.id === box.rooms[0])!;
        assert.equal(loaded.collector.room, room.id);
        assert.equal(loaded.collector.nodeId, room.collector.nodeId);
        assert.equal(loaded.collector.edgeUrl, 'https://edge.example.org');
        assert.equal(loaded.collector.nodeSecret, secrets.nodeSecrets.get(room.collector.nodeId));
        assert.equal(loaded.collector.streamKey, secrets.streamKeys.get(room.id));
      } else {
        const encoder = event.encoders.find((e) => e.host === box.host)!;
        assert.equal(loaded.encoder.nodeId, encoder.nodeId);
        assert.equal(loaded.encoder.capacity, encoder.capacity);
        assert.equal(loaded.encoder.nodeSecret, secrets.nodeSecrets.get(encoder.nodeId));
        assert.deepEqual(loaded.encoder.ladder, event.ladder);
      }
    }
    // A spot check that room overrides reach the box and defaults fill the rest.
    const main = await loadConfig({
      file: join(dir, 'col-main.venue.lan-collector.yaml'),
      env: {},
    });
    assert.deepEqual(main.collector.source, {
      kind: 'decklink',
      device: '/dev/video0',
      deckLinkIndex: 1,
    });
    assert.deepEqual(
      [main.collector.output.width, main.collector.output.height, main.collector.output.fps],
      [1920, 1080, 30],
    );
    assert.equal(main.collector.output.preset, 'superfast', 'a key the file leaves out');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the order of keys and rooms in the event file does not change the output', async () => {
  const { secrets } = await fixture();
  const reverse = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(reverse)
      : value && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverse(v)]))
      : value;
  const shuffled = stringify(reverse(parse(await readFile(EVENT_FILE, 'utf8'))));
  const event = validateEventFile(parseEventText(shuffled, 'x.yaml'), 'x.yaml');
  const { event: original } = await fixture();
  assert.deepEqual(
    asTree(renderBoxConfigs(event, secrets)),
    asTree(renderBoxConfigs(original, secrets)),
  );
});

test('missing secrets are all listed, named in the secrets file, with how to get them', async () => {
  const { event, secrets } = await fixture();
  const partial: EventSecrets = {
    ...secrets,
    nodeSecrets: new Map(
      [...secrets.nodeSecrets].filter(([id]) => id !== 'encoder-2' && id !== 'col-workshop'),
    ),
    streamKeys: new Map([...secrets.streamKeys].filter(([id]) => id !== 'side-room')),
  };
  assert.throws(() => renderBoxConfigs(event, partial), (error: unknown) => {
    assert.ok(error instanceof EventFileError);
    assert.deepEqual(error.issues, [
      'three-rooms.secrets.yaml: nodes.col-workshop.nodeSecret: missing; `roomcast node add ' +
      'col-workshop --kind collector` prints it once (or `roomcast node rotate-secret col-workshop`)',
      'three-rooms.secrets.yaml: nodes.encoder-2.nodeSecret: missing; `roomcast node add ' +
      'encoder-2 --kind encoder` prints it once (or `roomcast node rotate-secret encoder-2`)',
      'three-rooms.secrets.yaml: rooms.side-room.streamKey: missing; `roomcast event apply` ' +
      'prints it when it creates the room, `roomcast key create side-room` makes another',
    ]);
    return true;
  });
});
