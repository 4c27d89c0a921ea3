// The edge's migrations and queries against a REAL libSQL server (sqld over HTTP), and
// against an embedded `file:` database that is closed and opened again. The route tests
// run on `:memory:`; these show the same schema and queries work where production runs.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { createMemoryLogger } from '../../core/log.ts';
import { startSqld } from '../../core/testing/sqld.ts';
import { signRequest } from '../../core/wire/signing.ts';
import { createApp } from '../app.ts';
import type { EdgeDeps } from '../deps.ts';
import { withAccounts } from '../with_accounts.ts';
import { createMemoryStore } from '../store/memory.ts';
import { createEdgeMetrics } from '../metrics/edge_metrics.ts';
import { createTestEdge, TEST_SETTINGS, type TestEdge } from '../testing.ts';
import { type Database, openDatabase } from './client.ts';
import { applyMigrations, MIGRATIONS_FOLDER } from './migrate.ts';
import { publishSessions, rooms, streamKeys } from './schema.ts';

const json = async (res: Response, status: number) => {
  const text = await res.text();
  assert.equal(res.status, status, `${res.status} ${text}`);
  return JSON.parse(text);
};

interface Encoder {
  id: string;
  secret: string;
}

const publish = (node: Encoder, streamKey: string, clientId: string) => ({
  v: 1,
  nodeId: node.id,
  clientId,
  app: 'live',
  streamKey,
  addr: '203.0.113.9',
});

const update = (node: Encoder, sessionId: string, clientId: string, room: string) => ({
  v: 1,
  nodeId: node.id,
  clientId,
  sessionId,
  room,
  time: 30,
});

/** Event, room with its key, a registered encoder, one allowed publish. */
async function basicFlow(edge: TestEdge) {
  await json(
    await edge.asOperator('POST', '/api/v1/events', { id: 'conf-2026', title: 'Conference' }),
    201,
  );
  const created = await json(
    await edge.asOperator('POST', '/api/v1/rooms', {
      id: 'main-hall',
      title: 'Main Hall',
      eventId: 'conf-2026',
    }),
    201,
  );
  assert.equal(created.room.eventId, 'conf-2026');
  const key: string = created.streamKey.key;
  assert.ok(key.length > 16);

  const added = await json(
    await edge.asOperator('POST', '/api/v1/nodes', { id: 'enc-1', kind: 'encoder' }),
    201,
  );
  const encoder: Encoder = { id: 'enc-1', secret: added.secret };
  await json(
    await edge.asNode(encoder.id, encoder.secret, '/api/v1/node/register', {
      v: 1,
      nodeId: encoder.id,
      kind: 'encoder',
      softwareVersion: '0.1.0',
      publicUrl: 'http://enc-1.test:8088',
      rtmpUrl: 'rtmp://enc-1.test:1935/live',
      capacity: 3,
    }),
    200,
  );

  const allowed = await json(
    await edge.asNode(
      encoder.id,
      encoder.secret,
      '/api/v1/node/hooks/publish',
      publish(encoder, key, '1'),
    ),
    200,
  );
  assert.equal(allowed.decision, 'allow', JSON.stringify(allowed));
  assert.equal(allowed.room, 'main-hall');
  assert.equal(allowed.takeover, null);
  return { key, encoder, sessionId: allowed.sessionId as string };
}

/** Takeover, key rotation cutting the live publish off, and every list the operator sees. */
async function fullFlow(edge: TestEdge) {
  const { key, encoder, sessionId: first } = await basicFlow(edge);
  const hook = (path: string, body: unknown) =>
    edge.asNode(encoder.id, encoder.secret, `/api/v1/node/hooks/${path}`, body);

  // The crew reconnects (new nginx client id) while the old session still looks open.
  edge.advance(5_000);
  const second = await json(await hook('publish', publish(encoder, key, '2')), 200);
  assert.equal(second.decision, 'allow', JSON.stringify(second));
  assert.notEqual(second.sessionId, first);
  assert.deepEqual(second.takeover, { nodeId: 'enc-1', clientId: '1' });
  assert.deepEqual(
    await json(await hook('update', update(encoder, first, '1', 'main-hall')), 200),
    {
      v: 1,
      decision: 'cutOff',
      reason: 'session ended (takenOver)',
    },
  );
  assert.deepEqual(
    await json(await hook('update', update(encoder, second.sessionId, '2', 'main-hall')), 200),
    { v: 1, decision: 'continue' },
  );

  // Rotating the key cuts off the publish that is live with the old one.
  const rotated = await json(
    await edge.asOperator('POST', '/api/v1/rooms/main-hall/keys/rotate'),
    201,
  );
  assert.equal(rotated.revoked, 1);
  assert.notEqual(rotated.key, key);
  assert.deepEqual(
    await json(await hook('update', update(encoder, second.sessionId, '2', 'main-hall')), 200),
    { v: 1, decision: 'cutOff', reason: 'stream key was revoked' },
  );
  assert.deepEqual(await json(await hook('publish', publish(encoder, key, '3')), 200), {
    v: 1,
    decision: 'refuse',
    reason: 'stream key was revoked',
  });

  const roomList = (await json(await edge.asOperator('GET', '/api/v1/rooms'), 200)).rooms;
  assert.deepEqual(
    roomList.map((r: { id: string; state: string; eventId: string }) => [r.id, r.state, r.eventId]),
    [['main-hall', 'offline', 'conf-2026']],
  );
  const keys = (await json(await edge.asOperator('GET', '/api/v1/rooms/main-hall/keys'), 200))
    .keys;
  assert.equal(keys.length, 2);
  assert.equal(keys.filter((k: { revokedAt: string | null }) => k.revokedAt === null).length, 1);
  assert.equal(
    keys.find((k: { revokedAt: string | null }) => k.revokedAt === null).id,
    rotated.info.id,
  );
  assert.ok(!JSON.stringify(keys).includes(key), 'key listing never carries a key');
  const nodeList = (await json(await edge.asOperator('GET', '/api/v1/nodes'), 200)).nodes;
  assert.equal(nodeList.length, 1);
  assert.equal(nodeList[0].id, 'enc-1');
  assert.equal(nodeList[0].kind, 'encoder');
  assert.equal(nodeList[0].publicUrl, 'http://enc-1.test:8088');

  // The publish was cut off by a key rotation: it is not expected back, so viewers see
  // "offline" at once (a dropped uplink would show "back soon"; see public_test.ts).
  const publicStates = async () =>
    (await json(await edge.app.request('/api/v1/public/rooms'), 200)).rooms.map((
      r: { id: string; state: string },
    ) => [r.id, r.state]);
  assert.deepEqual(await publicStates(), [['main-hall', 'offline']]);
  edge.advance(60_000);
  const beat = await json(
    await edge.asNode(encoder.id, encoder.secret, '/api/v1/node/heartbeat', {
      v: 1,
      nodeId: encoder.id,
      kind: 'encoder',
      capacity: 3,
      cpuLoad: 0.1,
      rooms: [],
      errors: [],
    }),
    200,
  );
  assert.equal(beat.v, 1);

  // The new key publishes; the room is live again for the public.
  const third = await json(await hook('publish', publish(encoder, rotated.key, '4')), 200);
  assert.equal(third.decision, 'allow', JSON.stringify(third));
  assert.equal(third.takeover, null);
  const publicLive = (await json(await edge.app.request('/api/v1/public/rooms?live=true'), 200))
    .rooms;
  assert.deepEqual(publicLive.map((r: { id: string; state: string }) => [r.id, r.state]), [[
    'main-hall',
    'live',
  ]]);

  const sessions = await edge.deps.db.select().from(publishSessions)
    .where(eq(publishSessions.roomId, 'main-hall')).orderBy(publishSessions.startedAt);
  assert.deepEqual(sessions.map((s) => [s.clientId, s.endReason]), [
    ['1', 'takenOver'],
    ['2', 'keyRevoked'],
    ['4', null],
  ]);
}

interface JournalEntry {
  tag: string;
  when: number;
}

async function journal(): Promise<JournalEntry[]> {
  const text = await readFile(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8');
  return (JSON.parse(text) as { entries: JournalEntry[] }).entries;
}

/** Applies the migrations once more and checks the bookkeeping: one row per migration. */
async function assertMigrationsIdempotent(db: Database) {
  await applyMigrations(db);
  await applyMigrations(db);
  const rows = await db.all<{ hash: string; created_at: number }>(
    sql`SELECT hash, created_at FROM __drizzle_migrations ORDER BY created_at`,
  );
  const entries = await journal();
  assert.ok(entries.length > 0);
  assert.equal(rows.length, entries.length, JSON.stringify(rows));
  for (const [i, entry] of entries.entries()) {
    const file = await readFile(join(MIGRATIONS_FOLDER, `${entry.tag}.sql`), 'utf8');
    assert.equal(rows[i]!.hash, createHash('sha256').update(file).digest('hex'), entry.tag);
    assert.equal(Number(rows[i]!.created_at), entry.when, entry.tag);
  }
}

test('sqld: migrations over HTTP, the whole publish flow, idempotent migrations, the live-session index', async () => {
  const sqld = await startSqld();
  try {
    const edge = await createTestEdge({ databaseUrl: sqld.url });
    try {
      await fullFlow(edge);

      // A second connection (another edge instance starting) applies the migrations again.
      await assertMigrationsIdempotent(edge.deps.db);
      const other = openDatabase({ url: sqld.url });
      try {
        await assertMigrationsIdempotent(other.db);
        // …and sees what the first one wrote: it is the same server, not a local copy.
        const seen = await other.db.select({ id: rooms.id, state: rooms.state }).from(rooms);
        assert.deepEqual(seen, [{ id: 'main-hall', state: 'live' }]);
      } finally {
        other.close();
      }

      // The partial unique index holds on sqld: a second open session for the room is refused
      // by the database itself, while an ended one can be added.
      const base = {
        roomId: 'main-hall',
        streamKeyId: null,
        nodeId: 'enc-1',
        addr: '192.0.2.1',
        startedAt: 1,
        lastSeenAt: 1,
      };
      await edge.deps.db.insert(publishSessions).values({
        ...base,
        id: 'ended-session',
        clientId: '90',
        endedAt: 2,
        endReason: 'done',
      });
      await assert.rejects(
        edge.deps.db.insert(publishSessions).values({
          ...base,
          id: 'second-open-session',
          clientId: '91',
          endedAt: null,
          endReason: null,
        }),
        (error: unknown) => {
          const text = `${error} ${(error as { cause?: unknown }).cause ?? ''}`;
          assert.match(text, /UNIQUE constraint failed: publish_sessions\.room_id/);
          return true;
        },
      );
      const open = await edge.deps.db.select({ id: publishSessions.id }).from(publishSessions)
        .where(sql`${publishSessions.roomId} = 'main-hall' AND ${publishSessions.endedAt} IS NULL`);
      assert.equal(open.length, 1);

      const indexes = await edge.deps.db.all<{ name: string; sql: string }>(
        sql`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'publish_sessions'`,
      );
      const live = indexes.find((i) => i.name === 'publish_sessions_one_live_per_room');
      assert.ok(live, JSON.stringify(indexes));
      assert.match(live.sql, /UNIQUE INDEX/i);
      assert.match(live.sql, /WHERE .*ended_at.* IS NULL/i);
    } finally {
      await edge.close();
    }
  } finally {
    await sqld.stop();
  }
});

test('file: database (the embedded default): the flow, then closed and opened again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-edge-db-'));
  try {
    const url = `file:${join(dir, 'edge.db')}`;
    const edge = await createTestEdge({ databaseUrl: url });
    let adminToken: string;
    let encoder: Encoder;
    let sessionId: string;
    try {
      ({ encoder, sessionId } = await basicFlow(edge));
      adminToken = edge.adminToken;
      await assertMigrationsIdempotent(edge.deps.db);
    } finally {
      await edge.close();
    }

    // Opened again, as after a restart: migrations are a no-op and every row is still there.
    const reopened = openDatabase({ url });
    const store = createMemoryStore({ now: () => Date.parse('2026-06-01T09:00:00Z') });
    try {
      await assertMigrationsIdempotent(reopened.db);
      const deps: EdgeDeps = await withAccounts({
        db: reopened.db,
        store,
        settings: TEST_SETTINGS,
        clusterSecret: edge.deps.clusterSecret,
        log: createMemoryLogger('edge'),
        softwareVersion: '0.0.0-test',
        now: () => Date.parse('2026-06-01T09:01:00Z'),
        mailer: edge.deps.mailer,
        metrics: createEdgeMetrics('0.0.0-test'),
      });
      const app = createApp(deps);
      const rows = await reopened.db.select({
        id: rooms.id,
        state: rooms.state,
        eventId: rooms.eventId,
      })
        .from(rooms);
      assert.deepEqual(rows, [{ id: 'main-hall', state: 'live', eventId: 'conf-2026' }]);
      const keyRows = await reopened.db.select().from(streamKeys);
      assert.equal(keyRows.length, 1);
      assert.equal(keyRows[0]!.revokedAt, null);
      assert.notEqual(keyRows[0]!.lastUsedAt, null);

      // The admin's token from before the restart still works (its hash was persisted).
      const listed = await json(
        await app.request('/api/v1/rooms', { headers: { authorization: `Bearer ${adminToken}` } }),
        200,
      );
      assert.deepEqual(listed.rooms.map((r: { id: string }) => r.id), ['main-hall']);
      const open = await reopened.db.select().from(publishSessions);
      assert.deepEqual(open.map((s) => [s.id, s.endedAt]), [[sessionId, null]]);

      // The encoder (its row, hence its secret generation, persisted) keeps its session alive.
      const path = '/api/v1/node/hooks/update';
      const body = JSON.stringify(update(encoder, sessionId, '1', 'main-hall'));
      const headers = await signRequest(
        encoder.id,
        encoder.secret,
        { method: 'POST', pathWithQuery: path, body },
        deps.now(),
      );
      assert.deepEqual(
        await json(
          await app.request(path, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body,
          }),
          200,
        ),
        { v: 1, decision: 'continue' },
      );
    } finally {
      await store.close();
      reopened.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * A database as an edge from before the encoder pin left it: only the first migration,
 * an encoder and a room.
 */
async function databaseBeforeThePin(url: string, dir: string): Promise<void> {
  const entries = await journal();
  const first = entries[0]!;
  assert.equal(first.tag, '0000_initial');
  const folder = join(dir, 'migrations-0000');
  await mkdir(join(folder, 'meta'), { recursive: true });
  await copyFile(join(MIGRATIONS_FOLDER, `${first.tag}.sql`), join(folder, `${first.tag}.sql`));
  await writeFile(
    join(folder, 'meta', '_journal.json'),
    JSON.stringify({ version: '7', dialect: 'sqlite', entries: [first] }),
  );
  const old = openDatabase({ url });
  try {
    await migrate(old.db, { migrationsFolder: folder });
    await old.db.run(
      sql`INSERT INTO nodes (id, kind, created_at) VALUES ('enc-1', 'encoder', 1)`,
    );
    await old.db.run(
      sql`INSERT INTO rooms (id, title, ladder_json, created_at, updated_at)
          VALUES ('old-room', 'Old Room', NULL, 1, 1)`,
    );
    const columns = await old.db.all<{ name: string }>(sql`PRAGMA table_info(rooms)`);
    assert.ok(!columns.some((c) => c.name === 'encoder_node_id'), 'the old schema has no pin');
  } finally {
    old.close();
  }
}

/** The edge opens the old database: it gains the column, keeps its rooms, pins work. */
async function assertUpgraded(url: string) {
  const edge = await createTestEdge({ databaseUrl: url });
  try {
    await assertMigrationsIdempotent(edge.deps.db);
    const columns = await edge.deps.db.all<{ name: string; notnull: number }>(
      sql`PRAGMA table_info(rooms)`,
    );
    assert.deepEqual(
      columns.filter((c) => c.name === 'encoder_node_id').map((c) => Number(c.notnull)),
      [0],
    );
    const keys = await edge.deps.db.all<{ table: string; from: string; on_delete: string }>(
      sql`PRAGMA foreign_key_list(rooms)`,
    );
    assert.deepEqual(
      keys.filter((k) => k.from === 'encoder_node_id').map((k) => [k.table, k.on_delete]),
      [['nodes', 'SET NULL']],
    );
    const room = await json(await edge.asOperator('GET', '/api/v1/rooms/old-room'), 200);
    assert.equal(room.title, 'Old Room');
    assert.equal(room.encoderNodeId, null, 'an existing room is placed by load, as before');
    const pinned = await json(
      await edge.asOperator('PATCH', '/api/v1/rooms/old-room', { encoderNodeId: 'enc-1' }),
      200,
    );
    assert.equal(pinned.encoderNodeId, 'enc-1');
    await json(await edge.asOperator('DELETE', '/api/v1/nodes/enc-1'), 200);
    const unpinned = await json(await edge.asOperator('GET', '/api/v1/rooms/old-room'), 200);
    assert.equal(unpinned.encoderNodeId, null, 'removing the node unpins the room');
  } finally {
    await edge.close();
  }
}

test('upgrade: a file: database from before the encoder pin opens, gets the column, keeps its rooms', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-edge-upgrade-'));
  try {
    const url = `file:${join(dir, 'edge.db')}`;
    await databaseBeforeThePin(url, dir);
    await assertUpgraded(url);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('upgrade: the same on sqld', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-edge-upgrade-'));
  const sqld = await startSqld();
  try {
    await databaseBeforeThePin(sqld.url, dir);
    await assertUpgraded(sqld.url);
  } finally {
    await sqld.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
