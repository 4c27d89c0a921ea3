// Billing through the edge's own routes: a viewer applies to stream and is approved (only
// then a key), its publish is metered per minute and rendition from the nginx-rtmp update
// hook, the account page warns, the grace runs out and the update hook cuts the publish
// off with the reason the streamer then reads. 1000 meter updates sent two or three times,
// out of order, concurrently and across an edge restart: the ledger is exact to the minute.
// Billing down: running publishes go on, new ones wait (and the other way round).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { shuffled } from '../../core/testing/shuffle.ts';
import { sql } from 'drizzle-orm';
import { ledgerEntries } from '../db/schema.ts';
import type { EdgeSettings } from '../deps.ts';
import { createTestEdge, TEST_SETTINGS, type TestEdge } from '../testing.ts';

const API = '/api/v1';

function billing(overrides: Partial<EdgeSettings['billing']>): Partial<EdgeSettings> {
  return {
    billing: {
      ...TEST_SETTINGS.billing,
      enabled: true,
      plans: [{ name: 'standard', publishMinute: 1, viewerMinute: 0.5, sessionMinutes: 0 }],
      defaultPlan: 'standard',
      ...overrides,
    },
  };
}

async function json(response: Response | Promise<Response>, status = 200) {
  const r = await response;
  const body = await r.json();
  assert.equal(r.status, status, JSON.stringify(body));
  return body;
}

/** A viewer signs in, asks for room `studio`; an admin approves. Returns their token. */
async function approvedStreamer(edge: TestEdge, email = 'sam@example.test') {
  await json(
    edge.asOperator('POST', `${API}/accounts`, {
      email,
      role: 'viewer',
      password: 'streamer password',
    }),
    201,
  );
  const { token } = await json(edge.app.request(`${API}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'streamer password' }),
  }));
  const as = (method: string, path: string, body?: unknown) =>
    edge.asOperator(method, path, body, token);
  // Before approval: no room, no key, and a viewer manages no keys at all.
  await json(as('POST', `${API}/rooms/studio/keys`), 403);
  const applied = await json(
    as('POST', `${API}/me/streamer-application`, { roomId: 'studio', title: 'Sam live' }),
    201,
  );
  assert.equal(applied.account.streamer, 'pending');
  await json(as('POST', `${API}/me/streamer-application`, { roomId: 'other', title: 'x' }), 409);
  await json(as('GET', `${API}/approvals`), 403);
  const { applications } = await json(edge.asOperator('GET', `${API}/approvals`));
  assert.deepEqual(applications.map((a: { roomId: string }) => a.roomId), ['studio']);
  const approved = await json(
    edge.asOperator('POST', `${API}/approvals/${applied.account.id}`, { decision: 'approve' }),
  );
  assert.equal(approved.role, 'streamer');
  const { key } = await json(as('POST', `${API}/rooms/studio/keys`), 201);
  return { token, key: key as string, as };
}

async function encoder(edge: TestEdge) {
  const { secret } = await json(
    edge.asOperator('POST', `${API}/nodes`, { id: 'enc-1', kind: 'encoder' }),
    201,
  );
  await json(edge.asNode('enc-1', secret, `${API}/node/register`, {
    v: 1,
    nodeId: 'enc-1',
    kind: 'encoder',
    softwareVersion: '0.1.0',
    publicUrl: 'http://enc-1.test:8088',
    rtmpUrl: 'rtmp://enc-1.test:1935/live',
    capacity: 3,
  }));
  const hook = (name: string, body: unknown) =>
    edge.asNode('enc-1', secret, `${API}/node/hooks/${name}`, body);
  return {
    secret,
    ...encoderUpdates(edge, secret),
    publish: async (key: string, clientId: string) =>
      await json(hook('publish', {
        v: 1,
        nodeId: 'enc-1',
        clientId,
        app: 'live',
        streamKey: key,
        addr: '203.0.113.9',
      })),
    heartbeat: async (sessionId: string, renditions: number) =>
      await json(edge.asNode('enc-1', secret, `${API}/node/heartbeat`, {
        v: 1,
        nodeId: 'enc-1',
        kind: 'encoder',
        capacity: 3,
        cpuLoad: 0.2,
        rooms: [{
          room: 'studio',
          sessionId,
          renditions: Array.from({ length: renditions }, (_, i) => ({ name: `r${i}`, speed: 1 })),
          viewers: 0,
          errors: [],
        }],
        errors: [],
      })),
  };
}

test('approved streamer: minutes billed per rendition, warned when low, cut off after the grace, told why', async () => {
  const edge = await createTestEdge({
    settings: billing({ welcomeCredits: 10, lowBalanceCredits: 5, graceMinutes: 1 }),
  });
  try {
    const { key, as } = await approvedStreamer(edge);
    const summary = async () => await json(as('GET', `${API}/me/summary`));
    assert.equal((await summary()).billing.balance, 10, 'welcome credits on approval');

    const enc = await encoder(edge);
    const start = await enc.publish(key, '1');
    assert.equal(start.decision, 'allow');
    await enc.heartbeat(start.sessionId, 2);
    const started = edge.deps.now();
    const at = async (minute: number) => {
      edge.advance(started + minute * 60_000 + 5_000 - edge.deps.now());
      return await enc.update(start.sessionId, '1');
    };
    assert.equal((await at(0)).decision, 'continue');
    assert.equal((await at(2)).decision, 'continue');
    let page = await summary();
    assert.equal(page.billing.balance, 6, '2 minutes × 2 renditions');
    assert.equal(page.billing.state, 'ok');
    assert.equal((await at(3)).decision, 'continue');
    page = await summary();
    assert.equal(page.billing.state, 'low');
    assert.match(page.billing.warning, /4 credits left/);
    assert.equal((await at(5)).decision, 'continue', 'at zero the grace begins');
    page = await summary();
    assert.equal(page.billing.balance, 0);
    assert.equal(page.billing.state, 'grace');
    const cut = await at(6);
    assert.equal(cut.decision, 'cutOff');
    assert.match(cut.reason, /out of credits/);
    page = await summary();
    assert.equal(page.billing.balance, -2, 'never below the grace: one minute × 2 renditions');
    assert.equal(page.rooms[0].lastSession.endReason, 'cutOff');
    assert.match(page.rooms[0].lastSession.endDetail, /out of credits/);
    assert.deepEqual(
      page.usage.filter((u: { kind: string }) => u.kind === 'publish').length,
      6,
      'one entry per minute',
    );
    // A replay of the cut-off's update and a new publish: refused, nothing more billed.
    assert.equal((await at(7)).decision, 'cutOff');
    const again = await enc.publish(key, '2');
    assert.equal(again.decision, 'refuse');
    assert.match(again.reason, /not enough credits for a minute/);
    assert.equal((await summary()).billing.balance, -2);
  } finally {
    await edge.close();
  }
});

test("a plan's session limit ends the publish at its minute; viewer minutes bill once per viewer", async () => {
  const edge = await createTestEdge({
    settings: billing({
      plans: [{ name: 'free', publishMinute: 1, viewerMinute: 0.5, sessionMinutes: 3 }],
      defaultPlan: 'free',
      welcomeCredits: 100,
    }),
  });
  try {
    const { key, as } = await approvedStreamer(edge);
    const enc = await encoder(edge);
    const start = await enc.publish(key, '1');
    await enc.heartbeat(start.sessionId, 1);
    const started = edge.deps.now();
    const grant = async () =>
      (await json(edge.app.request(`${API}/public/rooms/studio/playback`, { method: 'POST' })))
        .session as string;
    const viewers = [await grant(), await grant()];
    const beat = (session: string) =>
      json(edge.app.request(`${API}/public/rooms/studio/heartbeat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ session, playing: true }),
      }));
    for (let half = 0; half < 4; half++) {
      edge.advance(started + half * 30_000 + 1_000 - edge.deps.now());
      await enc.heartbeat(start.sessionId, 1);
      for (const session of viewers) await beat(session);
      await beat('made-up-session-00');
    }
    edge.advance(started + 3 * 60_000 + 5_000 - edge.deps.now());
    await enc.heartbeat(start.sessionId, 1);
    const cut = await enc.update(start.sessionId, '1');
    assert.equal(cut.decision, 'cutOff');
    assert.match(cut.reason, /free plan allows 3 minutes/);
    const page = await json(as('GET', `${API}/me/summary`));
    const usage = page.usage as { kind: string; credits: number }[];
    assert.equal(usage.filter((u) => u.kind === 'publish').length, 3);
    // Two granted viewers over two minutes (heartbeats every 30 s); the made-up one bills nothing.
    assert.equal(usage.filter((u) => u.kind === 'viewing').length, 4);
    assert.equal(page.billing.balance, 100 - 3 - 4 * 0.5);
  } finally {
    await edge.close();
  }
});

test('1000 meter updates sent 2-3 times, shuffled, concurrent, across an edge restart: exact to the minute', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-metering-'));
  const databaseUrl = `file:${join(dir, 'edge.db')}`;
  const settings = billing({ welcomeCredits: 100_000 });
  let edge = await createTestEdge({ databaseUrl, settings });
  try {
    const { key } = await approvedStreamer(edge);
    let enc = await encoder(edge);
    const start = await enc.publish(key, '1');
    const started = edge.deps.now();
    // Update n comes at minute n (+5 s); each is sent 2 or 3 times.
    const sends = shuffled(
      Array.from({ length: 1000 }, (_, i) => i + 1).flatMap((n) => (n % 3 ? [n, n] : [n, n, n])),
      20261207,
    );
    const half = Math.floor(sends.length / 2);
    for (let i = 0; i < sends.length; i += 10) {
      if (i >= half && i - 10 < half) {
        // The edge restarts: a new process on the same database, a fresh live store.
        await edge.close();
        edge = await createTestEdge({ databaseUrl, settings });
        enc = { ...enc, ...encoderUpdates(edge, enc.secret) };
      }
      const batch = sends.slice(i, i + 10);
      edge.advance(started + batch[0]! * 60_000 + 5_000 - edge.deps.now());
      const answers = await Promise.all(batch.map(() => enc.update(start.sessionId, '1')));
      for (const answer of answers) assert.equal(answer.decision, 'continue');
    }
    // The last word: the update at minute 1000 makes minutes 0…999 due, each once.
    edge.advance(started + 1000 * 60_000 + 5_000 - edge.deps.now());
    await enc.update(start.sessionId, '1');
    const rows = await edge.deps.db.select({ key: ledgerEntries.key, delta: ledgerEntries.delta })
      .from(ledgerEntries).where(sql`${ledgerEntries.kind} = 'publish'`);
    const minutes = rows.map((r) => Number(r.key.split(':').at(-1))).sort((a, b) => a - b);
    assert.deepEqual(minutes, Array.from({ length: 1000 }, (_, m) => m));
    // No heartbeat reported renditions: the encoder's default ladder (5) is billed.
    assert.ok(rows.every((r) => r.delta === -5000));
    const [total] = await edge.deps.db.select({
      balance: sql<number>`sum(${ledgerEntries.delta})`,
    }).from(ledgerEntries);
    assert.equal(total?.balance, 100_000_000 - 1000 * 5000);
  } finally {
    await edge.close();
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * nginx-rtmp's update hook as enc-1 relays it. After a restart the node is still registered
 * in the database; only this is rebuilt for the new edge.
 */
function encoderUpdates(edge: TestEdge, secret: string) {
  const hook = (name: string, body: unknown) =>
    edge.asNode('enc-1', secret, `${API}/node/hooks/${name}`, body);
  return {
    update: async (sessionId: string, clientId: string) =>
      await json(hook('update', {
        v: 1,
        nodeId: 'enc-1',
        clientId,
        sessionId,
        room: 'studio',
        time: 60,
      })),
  };
}

test('billing down: a running publish goes on and is billed later; a new one is refused (and the reverse)', async () => {
  for (
    const whenDown of [
      { running: 'continue', newPublish: 'refuse' },
      { running: 'cutOff', newPublish: 'allow' },
    ] as const
  ) {
    const edge = await createTestEdge({ settings: billing({ welcomeCredits: 100, whenDown }) });
    try {
      const { key } = await approvedStreamer(edge, `${whenDown.running}@example.test`);
      const enc = await encoder(edge);
      const start = await enc.publish(key, '1');
      await enc.heartbeat(start.sessionId, 1);
      const started = edge.deps.now();
      // The ledger table gone away (a broken database, as far as billing can tell).
      await edge.deps.db.run(sql`ALTER TABLE ledger_entries RENAME TO ledger_away`);
      edge.advance(started + 2 * 60_000 + 5_000 - edge.deps.now());
      const during = await enc.update(start.sessionId, '1');
      const fresh = await enc.publish(key, '2');
      await edge.deps.db.run(sql`ALTER TABLE ledger_away RENAME TO ledger_entries`);
      if (whenDown.running === 'continue') {
        assert.equal(during.decision, 'continue');
        assert.equal(fresh.decision, 'refuse');
        assert.match(fresh.reason, /billing is unavailable/);
        // Back: the next update bills the minutes missed, once each.
        edge.advance(60_000);
        assert.equal((await enc.update(start.sessionId, '1')).decision, 'continue');
        const rows = await edge.deps.db.select().from(ledgerEntries)
          .where(sql`${ledgerEntries.kind} = 'publish'`);
        assert.equal(rows.length, 3);
      } else {
        assert.equal(during.decision, 'cutOff');
        assert.equal(fresh.decision, 'allow');
      }
      assert.ok(edge.logLines.some((l) => l.includes('billing unavailable')));
    } finally {
      await edge.close();
    }
  }
});
