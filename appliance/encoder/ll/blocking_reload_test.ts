import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBlockingReload, satisfies, tooFarAhead } from './blocking_reload.ts';

const parse = (query: string) => parseBlockingReload(new URLSearchParams(query));

test('no blocking parameters: an ordinary playlist request', () => {
  assert.deepEqual(parse('e=1&s=x&t=y'), { kind: 'none' });
});

test('msn alone, and msn with a part', () => {
  assert.deepEqual(parse('_HLS_msn=12'), { kind: 'wait', request: { msn: 12, part: null } });
  assert.deepEqual(parse('_HLS_msn=12&_HLS_part=3'), {
    kind: 'wait',
    request: { msn: 12, part: 3 },
  });
});

test('mutated values are named, never held: negative, huge, text, repeated, a part alone', () => {
  const errors = [
    '_HLS_msn=-1',
    '_HLS_msn=99999999999999999999',
    '_HLS_msn=9999999999999999',
    '_HLS_msn=abc',
    '_HLS_msn=1e3',
    '_HLS_msn=',
    '_HLS_msn=1&_HLS_msn=2',
    '_HLS_msn=1&_HLS_part=-2',
    '_HLS_msn=1&_HLS_part=x',
    '_HLS_part=1',
  ].map((query) => {
    const parsed = parse(query);
    assert.equal(parsed.kind, 'invalid', query);
    return parsed.kind === 'invalid' ? parsed.error : '';
  });
  assert.match(errors[0]!, /^_HLS_msn must be a whole number of at most 16 digits \(got "-1"\)$/);
  assert.match(errors[1]!, /at most 16 digits/);
  assert.match(errors[2]!, /^_HLS_msn is too large/);
  assert.match(errors[9]!, /^_HLS_part needs _HLS_msn$/);
  // The echo of a hostile value is cut short.
  const long = parse(`_HLS_msn=${'x'.repeat(5000)}`);
  assert.ok(long.kind === 'invalid' && long.error.length < 120);
});

test('satisfied by a listed segment, or by a listed part of the one being made', () => {
  const edge = { lastSequence: 10, partsOfNext: 3 };
  assert.equal(satisfies(edge, { msn: 9, part: null }), true);
  assert.equal(satisfies(edge, { msn: 10, part: 5 }), true, 'the whole segment is there');
  assert.equal(satisfies(edge, { msn: 11, part: 2 }), true);
  assert.equal(satisfies(edge, { msn: 11, part: 3 }), false, 'not yet: held');
  assert.equal(satisfies(edge, { msn: 11, part: null }), false);
  assert.equal(satisfies(edge, { msn: 12, part: 0 }), false);
});

test('more than two segments ahead is refused, up to two is held', () => {
  const edge = { lastSequence: 10, partsOfNext: 0 };
  assert.equal(tooFarAhead(edge, { msn: 12, part: 0 }), null);
  assert.match(tooFarAhead(edge, { msn: 13, part: null })!, /more than two segments ahead/);
  assert.match(
    tooFarAhead({ lastSequence: -1, partsOfNext: 0 }, { msn: 2, part: null })!,
    /last -1/,
  );
});
