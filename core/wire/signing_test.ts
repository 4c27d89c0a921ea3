import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  claimedNodeId,
  SIGNATURE_HEADERS,
  type SignedRequestParts,
  signRequest,
  verifyRequest,
} from './signing.ts';

const SECRET = 'node-secret-0123456789abcdef0123456789abcdef';
const NOW = Date.parse('2026-06-01T09:00:00Z');
const PARTS: SignedRequestParts = {
  method: 'POST',
  pathWithQuery: '/api/v1/node/hooks/publish?x=1',
  body: '{"v":1,"nodeId":"enc-1","clientId":"7"}',
};
const OPTIONS = { maxSkewSeconds: 30, nowMs: NOW };

async function signed(nodeId = 'enc-1', nowMs = NOW): Promise<Headers> {
  return new Headers(await signRequest(nodeId, SECRET, PARTS, nowMs));
}

const MISMATCH = {
  ok: false,
  reason: 'signature does not match (wrong node secret, or the request was altered)',
};

test('round trip: what signRequest signs, verifyRequest accepts', async () => {
  const headers = await signed();
  assert.equal(headers.get(SIGNATURE_HEADERS.node), 'enc-1');
  assert.equal(headers.get(SIGNATURE_HEADERS.timestamp), String(NOW / 1000));
  assert.match(headers.get(SIGNATURE_HEADERS.nonce)!, /^[A-Za-z0-9_-]{22}$/);
  assert.match(headers.get(SIGNATURE_HEADERS.signature)!, /^v1=[0-9a-f]{64}$/);
  assert.deepEqual(await verifyRequest(SECRET, headers, PARTS, OPTIONS), {
    ok: true,
    nodeId: 'enc-1',
    nonce: headers.get(SIGNATURE_HEADERS.nonce),
  });
  // The method is compared case-insensitively (it is upper-cased on both sides).
  assert.equal(
    (await verifyRequest(SECRET, headers, { ...PARTS, method: 'post' }, OPTIONS)).ok,
    true,
  );
  // Every request gets a fresh nonce, hence a different signature.
  const again = await signed();
  assert.notEqual(again.get(SIGNATURE_HEADERS.nonce), headers.get(SIGNATURE_HEADERS.nonce));
  assert.notEqual(
    again.get(SIGNATURE_HEADERS.signature),
    headers.get(SIGNATURE_HEADERS.signature),
  );
  // Within the allowed skew, either way.
  for (const offset of [-30_000, 29_000, 30_000]) {
    assert.equal(
      (await verifyRequest(SECRET, await signed('enc-1', NOW + offset), PARTS, OPTIONS)).ok,
      true,
      `offset ${offset}`,
    );
  }
});

test('a tampered method, path, query, body, timestamp, nonce or node is a mismatch', async () => {
  const headers = await signed();
  const tampered: [string, SignedRequestParts][] = [
    ['method', { ...PARTS, method: 'PUT' }],
    ['path', { ...PARTS, pathWithQuery: '/api/v1/node/hooks/play?x=1' }],
    ['query', { ...PARTS, pathWithQuery: '/api/v1/node/hooks/publish?x=2' }],
    ['no query', { ...PARTS, pathWithQuery: '/api/v1/node/hooks/publish' }],
    ['body', { ...PARTS, body: PARTS.body.replace('"7"', '"8"') }],
    ['body whitespace', { ...PARTS, body: `${PARTS.body} ` }],
    ['empty body', { ...PARTS, body: '' }],
  ];
  for (const [what, parts] of tampered) {
    assert.deepEqual(await verifyRequest(SECRET, headers, parts, OPTIONS), MISMATCH, what);
  }

  const withHeader = (name: string, value: string) => {
    const copy = new Headers(headers);
    copy.set(name, value);
    return copy;
  };
  const timestamp = Number(headers.get(SIGNATURE_HEADERS.timestamp));
  const otherNonce = 'AAAAAAAAAAAAAAAAAAAAAA';
  const signature = headers.get(SIGNATURE_HEADERS.signature)!;
  const flipped = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
  for (
    const [what, changed] of [
      ['timestamp', withHeader(SIGNATURE_HEADERS.timestamp, String(timestamp + 1))],
      ['nonce', withHeader(SIGNATURE_HEADERS.nonce, otherNonce)],
      ['node', withHeader(SIGNATURE_HEADERS.node, 'enc-2')],
      ['signature', withHeader(SIGNATURE_HEADERS.signature, flipped)],
      [
        'signature version',
        withHeader(SIGNATURE_HEADERS.signature, signature.replace('v1=', 'v2=')),
      ],
      ['truncated signature', withHeader(SIGNATURE_HEADERS.signature, signature.slice(0, -2))],
    ] as const
  ) {
    const result = await verifyRequest(SECRET, changed, PARTS, OPTIONS);
    // The node id is not part of the signature: the caller picks the secret by it, so a
    // different node id means a different secret (checked below).
    if (what === 'node') assert.equal(result.ok, true, what);
    else assert.deepEqual(result, MISMATCH, what);
  }
  assert.deepEqual(await verifyRequest('another-secret', headers, PARTS, OPTIONS), MISMATCH);
});

test('a stale or future timestamp is refused with the skew reason', async () => {
  for (const offset of [-31_000, 31_000, -3_600_000]) {
    const result = await verifyRequest(SECRET, await signed('enc-1', NOW + offset), PARTS, OPTIONS);
    assert.equal(result.ok, false, `offset ${offset}`);
    assert.match(
      (result as { reason: string }).reason,
      new RegExp(
        `^request timestamp is ${
          Math.abs(offset / 1000)
        } s away from the edge's clock \\(more than 30 s\\): check the box's clock \\(NTP\\)$`,
      ),
    );
  }
  // The same request, verified later by a clock that has moved on.
  const headers = await signed();
  const late = await verifyRequest(SECRET, headers, PARTS, {
    maxSkewSeconds: 30,
    nowMs: NOW + 45_000,
  });
  assert.deepEqual(late, {
    ok: false,
    reason:
      "request timestamp is 45 s away from the edge's clock (more than 30 s): check the box's clock (NTP)",
  });
});

test('missing headers are refused', async () => {
  const headers = await signed();
  for (const name of Object.values(SIGNATURE_HEADERS)) {
    const copy = new Headers(headers);
    copy.delete(name);
    const result = await verifyRequest(SECRET, copy, PARTS, OPTIONS);
    assert.equal(result.ok, false, name);
    assert.match((result as { reason: string }).reason, /^request is not signed/, name);
  }
  const empty = await verifyRequest(SECRET, new Headers(), PARTS, OPTIONS);
  assert.equal(empty.ok, false);
  const blank = new Headers(headers);
  blank.set(SIGNATURE_HEADERS.signature, '');
  assert.match(
    (await verifyRequest(SECRET, blank, PARTS, OPTIONS) as { reason: string }).reason,
    /^request is not signed/,
  );
});

test('bad node id, timestamp and nonce formats are refused before any HMAC', async () => {
  const headers = await signed();
  const reasonWith = async (name: string, value: string) => {
    const copy = new Headers(headers);
    copy.set(name, value);
    const result = await verifyRequest(SECRET, copy, PARTS, OPTIONS);
    assert.equal(result.ok, false, `${name}: ${value}`);
    return (result as { reason: string }).reason;
  };
  for (
    const nonce of [
      'short',
      'A'.repeat(15),
      'A'.repeat(65),
      'AAAAAAAAAAAAAAAA+/',
      'AAAAAAAA AAAAAAAA',
      'AAAAAAAAAAAAAAAA==',
    ]
  ) {
    assert.equal(
      await reasonWith(SIGNATURE_HEADERS.nonce, nonce),
      'x-roomcast-nonce must be 16-64 base64url characters',
      nonce,
    );
  }
  for (const timestamp of ['-1', '1.5', '17e8', 'now', '1234567890123']) {
    assert.equal(
      await reasonWith(SIGNATURE_HEADERS.timestamp, timestamp),
      'x-roomcast-timestamp must be unix seconds',
      timestamp,
    );
  }
  for (const node of ['Enc-1', '-enc', 'enc_1', 'a'.repeat(64), 'enc 1']) {
    assert.match(await reasonWith(SIGNATURE_HEADERS.node, node), /^request is not signed/, node);
  }
  assert.equal(claimedNodeId(headers), 'enc-1');
  assert.equal(claimedNodeId(new Headers({ [SIGNATURE_HEADERS.node]: 'ENC' })), null);
  assert.equal(claimedNodeId(new Headers()), null);
});
