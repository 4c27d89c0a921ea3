import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUDIO_ONLY, autoLabel, levelLabel, levelNameFromUrl, qualityMenu } from './levels.ts';

const BASE = 'http://enc.example:8080/live/demo';

test('a level is named by the directory of its playlist', () => {
  assert.equal(levelNameFromUrl(`${BASE}/360p/index.m3u8?e=1&s=x&t=y`), '360p');
  assert.equal(levelNameFromUrl(`${BASE}/source/index.m3u8`), 'source');
  assert.equal(levelNameFromUrl('720p/index.m3u8'), '720p');
  assert.equal(levelNameFromUrl('http://enc.example/index.m3u8'), '');
  assert.equal(levelNameFromUrl(`${BASE}/my%20rung/index.m3u8`), 'my rung');
});

const RENDITIONS = [
  { name: 'source', codec: 'copy' },
  { name: '720p', codec: 'h264' },
  { name: '360p', codec: 'h264' },
  { name: 'audio', codec: 'aac' },
];
// hls.js order: ascending.
const LEVELS = [
  { url: `${BASE}/360p/index.m3u8`, height: 360, bitrate: 900_000 },
  { url: `${BASE}/720p/index.m3u8`, height: 720, bitrate: 3_000_000 },
  { url: `${BASE}/source/index.m3u8`, height: 1080, bitrate: 6_000_000 },
];

test('the menu lists levels best first with their hls.js index, then audio only', () => {
  assert.deepEqual(qualityMenu(LEVELS, RENDITIONS), [
    { name: 'source', index: 2 },
    { name: '720p', index: 1 },
    { name: '360p', index: 0 },
    { name: 'audio', index: AUDIO_ONLY },
  ]);
});

test('no audio-only entry without an audio rendition; an audio level is not listed twice', () => {
  assert.deepEqual(
    qualityMenu(LEVELS, RENDITIONS.filter((r) => r.name !== 'audio')).map((m) => m.name),
    ['source', '720p', '360p'],
  );
  const withAudioLevel = [...LEVELS, {
    url: `${BASE}/audio/index.m3u8`,
    height: 0,
    bitrate: 96_000,
  }];
  assert.deepEqual(qualityMenu(withAudioLevel, RENDITIONS).map((m) => [m.name, m.index]), [
    ['source', 2],
    ['720p', 1],
    ['360p', 0],
    ['audio', AUDIO_ONLY],
  ]);
  // The edge's current wire vocabulary names the audio rung's codec 'audio'.
  assert.deepEqual(qualityMenu([], [{ name: 'audio', codec: 'audio' }]), [
    { name: 'audio', index: AUDIO_ONLY },
  ]);
});

test("the room's ladder order wins over height: a small source stays first", () => {
  const small = [
    { url: `${BASE}/360p/index.m3u8`, height: 360, bitrate: 900_000 },
    { url: `${BASE}/source/index.m3u8`, height: 360, bitrate: 850_000 },
    { url: `${BASE}/extra/index.m3u8`, height: 1080, bitrate: 5_000_000 },
  ];
  assert.deepEqual(qualityMenu(small, RENDITIONS).map((m) => [m.name, m.index]), [
    ['source', 1],
    ['360p', 0],
    ['extra', 2], // not in the ladder: after it
    ['audio', AUDIO_ONLY],
  ]);
});

test('without a ladder: by height then bitrate; levels without a directory get a name', () => {
  const menu = qualityMenu([
    { url: `${BASE}/low/index.m3u8`, height: 720, bitrate: 1_000_000 },
    { url: `${BASE}/high/index.m3u8`, height: 720, bitrate: 2_000_000 },
    { url: 'http://enc.example/x.m3u8', height: 480, bitrate: 500_000 },
  ], []);
  assert.deepEqual(menu.map((m) => m.name), ['high', 'low', '480p']);
});

test('labels', () => {
  assert.equal(levelLabel({ name: 'audio', index: AUDIO_ONLY }), 'Audio only');
  assert.equal(levelLabel({ name: '720p', index: 1 }), '720p');
  assert.equal(autoLabel('360p'), 'Auto (360p)');
  assert.equal(autoLabel(''), 'Auto');
});
