// Buying credits: Checkout Sessions made through the official `stripe` package (against a
// loopback stand-in for api.stripe.com: this machine has no way out, and the request the
// library sends is what is checked), and webhooks signed with the library's test-header
// helper (its async form, which Deno's Web Crypto needs), verified by its async verifier: replayed, out of order, badly signed, too old,
// junk. 1000 deliveries of 300 paid sessions, shuffled, concurrent, across an edge restart:
// each session credited once. Node and Deno.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { shuffled } from '../../core/testing/shuffle.ts';
import Stripe from 'stripe';
import { sql } from 'drizzle-orm';
import { ledgerEntries } from '../db/schema.ts';
import type { EdgeSettings } from '../deps.ts';
import { createTestEdge, TEST_SETTINGS, type TestEdge } from '../testing.ts';

const API = '/api/v1';
const SECRET_KEY = 'sk_test_roomcast_0123456789abcdef';
const WEBHOOK_SECRET = 'whsec_roomcast_test_0123456789abcdef';
const signer = new Stripe(SECRET_KEY);

let api: Server;
let apiUrl: string;
const created: { auth: string | undefined; form: URLSearchParams }[] = [];

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    request.on('data', (chunk) => body += chunk);
    request.on('end', () => resolve(body));
  });
}

before(async () => {
  api = createServer(async (request, response) => {
    const form = new URLSearchParams(await readBody(request));
    if (request.method === 'POST' && request.url === '/v1/checkout/sessions') {
      created.push({ auth: request.headers.authorization, form });
      const id = `cs_test_${created.length}`;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({
        id,
        object: 'checkout.session',
        mode: form.get('mode'),
        url: `https://checkout.stripe.test/pay/${id}`,
      }));
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { type: 'invalid_request_error', message: 'no route' } }));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => api.close(() => resolve())));

function settings(): Partial<EdgeSettings> {
  return {
    billing: {
      ...TEST_SETTINGS.billing,
      enabled: true,
      welcomeCredits: 0,
      stripe: {
        secretKey: SECRET_KEY,
        webhookSecret: WEBHOOK_SECRET,
        apiUrl,
        packs: [{ id: 'small', credits: 600, amountCents: 1000, currency: 'eur' }],
      },
    },
  };
}

async function buyer(edge: TestEdge, email = 'pat@example.test') {
  const res = await edge.asOperator('POST', `${API}/accounts`, { email, role: 'streamer' });
  return { id: (await res.json()).id as string };
}

function paidEvent(
  sessionId: string,
  accountId: string,
  type = 'checkout.session.completed',
  paymentStatus = 'paid',
) {
  return JSON.stringify({
    id: `evt_${sessionId}_${type.split('.').at(-1)}`,
    object: 'event',
    type,
    api_version: '2025-01-01',
    created: 1780304400,
    livemode: false,
    data: {
      object: {
        id: sessionId,
        object: 'checkout.session',
        mode: 'payment',
        payment_status: paymentStatus,
        client_reference_id: accountId,
        metadata: { accountId, packId: 'small', credits: '600' },
      },
    },
  });
}

async function deliver(edge: TestEdge, payload: string, header?: string) {
  const signature = header ?? await signer.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: WEBHOOK_SECRET,
    timestamp: Math.floor(edge.deps.now() / 1000),
  });
  const res = await edge.app.request(`${API}/billing/stripe/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload,
  });
  return { status: res.status, body: await res.json() };
}

async function balance(edge: TestEdge, accountId: string): Promise<number> {
  const [row] = await edge.deps.db.select({ sum: sql<number>`coalesce(sum(delta), 0)` })
    .from(ledgerEntries).where(sql`${ledgerEntries.accountId} = ${accountId}`);
  return Number(row?.sum);
}

test('checkout: a payment-mode session for the pack, sent to the person; unknown packs refused', async () => {
  const edge = await createTestEdge({ settings: settings() });
  try {
    // The admin buys here (any signed-in account may).
    const started = await edge.asOperator('POST', `${API}/me/checkout`, { pack: 'small' });
    assert.equal(started.status, 201);
    const { url, sessionId } = await started.json();
    assert.equal(url, `https://checkout.stripe.test/pay/${sessionId}`);
    const sent = created.at(-1)!;
    assert.equal(sent.auth, `Bearer ${SECRET_KEY}`);
    assert.equal(sent.form.get('mode'), 'payment');
    assert.equal(sent.form.get('line_items[0][price_data][unit_amount]'), '1000');
    assert.equal(sent.form.get('line_items[0][price_data][currency]'), 'eur');
    assert.equal(sent.form.get('metadata[credits]'), '600');
    assert.equal(sent.form.get('success_url'), `${TEST_SETTINGS.publicUrl}/account?checkout=done`);

    const unknown = await edge.asOperator('POST', `${API}/me/checkout`, { pack: 'huge' });
    assert.equal(unknown.status, 400);
    assert.match((await unknown.json()).error.message, /no credit pack 'huge' \(packs: small\)/);
    assert.ok(!edge.logLines.join('\n').includes(SECRET_KEY));
  } finally {
    await edge.close();
  }
});

test('webhooks: credited once however often and in whatever order; bad, old or junk refused', async () => {
  const edge = await createTestEdge({ settings: settings() });
  try {
    const { id } = await buyer(edge);
    const completed = paidEvent('cs_test_a', id);
    assert.equal((await deliver(edge, completed)).body.outcome, 'credited');
    for (let i = 0; i < 5; i++) {
      assert.equal((await deliver(edge, completed)).body.outcome, 'alreadyCredited');
    }
    assert.equal(await balance(edge, id), 600_000);

    // A delayed payment method: "completed" while unpaid, then "succeeded", or the other
    // way round as deliveries overtake each other.
    const async = paidEvent('cs_test_b', id, 'checkout.session.async_payment_succeeded');
    const unpaid = paidEvent('cs_test_b', id, 'checkout.session.completed', 'unpaid');
    assert.equal((await deliver(edge, async)).body.outcome, 'credited');
    assert.equal((await deliver(edge, unpaid)).body.outcome, 'notPaid');
    assert.equal((await deliver(edge, async)).body.outcome, 'alreadyCredited');
    assert.equal(await balance(edge, id), 1_200_000);

    const other = paidEvent('cs_test_c', id);
    const wrongSecret = await signer.webhooks.generateTestHeaderStringAsync({
      payload: other,
      secret: 'whsec_someone_else',
      timestamp: Math.floor(edge.deps.now() / 1000),
    });
    const stale = await signer.webhooks.generateTestHeaderStringAsync({
      payload: other,
      secret: WEBHOOK_SECRET,
      timestamp: Math.floor(edge.deps.now() / 1000) - 3600,
    });
    const tampered = await signer.webhooks.generateTestHeaderStringAsync({
      payload: other,
      secret: WEBHOOK_SECRET,
      timestamp: Math.floor(edge.deps.now() / 1000),
    });
    for (
      const [payload, header] of [
        [other, wrongSecret],
        [other, stale],
        [other.replace('"600"', '"60000"'), tampered],
        [other, 'nonsense'],
        ['{not json', tampered],
      ] as const
    ) {
      const refused = await deliver(edge, payload, header);
      assert.equal(refused.status, 400, `${header.slice(0, 30)} → ${refused.status}`);
      assert.match(refused.body.error.message, /^webhook refused/);
      assert.ok(!JSON.stringify(refused.body).includes(WEBHOOK_SECRET));
    }
    const unsigned = await edge.app.request(`${API}/billing/stripe/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: other,
    });
    assert.equal(unsigned.status, 400);
    assert.equal(await balance(edge, id), 1_200_000, 'nothing refused was credited');
    const ignored = paidEvent('cs_test_d', id, 'customer.created');
    assert.equal((await deliver(edge, ignored)).body.outcome, 'ignored');
  } finally {
    await edge.close();
  }
});

test('1000 deliveries of 300 paid sessions, shuffled, concurrent, across a restart: each credited once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-stripe-'));
  const databaseUrl = `file:${join(dir, 'edge.db')}`;
  let edge = await createTestEdge({ databaseUrl, settings: settings() });
  try {
    const buyers = [await buyer(edge, 'a@example.test'), await buyer(edge, 'b@example.test')];
    const deliveries: string[] = [];
    for (let n = 0; n < 300; n++) {
      const payload = paidEvent(`cs_test_${n}`, buyers[n % 2]!.id);
      const times = n < 100 ? 4 : 3; // 400 + 600 = 1000
      for (let t = 0; t < times; t++) deliveries.push(payload);
    }
    const order = shuffled(deliveries, 7);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < order.length; i += 25) {
      if (i === 500) {
        await edge.close();
        edge = await createTestEdge({ databaseUrl, settings: settings() });
      }
      const answers = await Promise.all(order.slice(i, i + 25).map((p) => deliver(edge, p)));
      for (const answer of answers) {
        assert.equal(answer.status, 200);
        outcomes.set(answer.body.outcome, (outcomes.get(answer.body.outcome) ?? 0) + 1);
      }
    }
    assert.equal(outcomes.get('credited'), 300);
    assert.equal(outcomes.get('alreadyCredited'), 700);
    assert.equal(await balance(edge, buyers[0]!.id), 150 * 600_000);
    assert.equal(await balance(edge, buyers[1]!.id), 150 * 600_000);
  } finally {
    await edge.close();
    await rm(dir, { recursive: true, force: true });
  }
});
