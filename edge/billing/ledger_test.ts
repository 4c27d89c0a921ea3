// The ledger on a real libSQL database file: 1000 meter updates and payments, each sent two
// or three times, out of order and concurrently, with the database closed and opened again
// (an edge restart) halfway → every key once, the balance exact to the milli-credit.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { shuffled } from '../../core/testing/shuffle.ts';
import { openDatabase, type OpenedDatabase } from '../db/client.ts';
import { applyMigrations } from '../db/migrate.ts';
import { accounts, ledgerEntries } from '../db/schema.ts';
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';
import { balanceOf, entriesOf, type LedgerPost, postEntry } from './ledger.ts';

async function open(url: string): Promise<{ opened: OpenedDatabase; deps: EdgeDeps }> {
  const opened = openDatabase({ url });
  await opened.ready();
  await applyMigrations(opened.db);
  // The ledger uses the database and the clock only.
  return { opened, deps: { db: opened.db, now: () => Date.now() } as unknown as EdgeDeps };
}

test('1000 updates sent two or three times, out of order, across a restart: each once, balance exact', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-ledger-'));
  const url = `file:${join(dir, 'edge.db')}`;
  try {
    let { opened, deps } = await open(url);
    await deps.db.insert(accounts).values({
      id: 'acct-1',
      email: 'streamer@example.test',
      role: 'streamer',
      createdAt: new Date(0),
    });
    // 900 publish minutes of three renditions (3 credits each, in milli-credits), 60
    // viewer-minute batches, 40 credit-pack purchases.
    const distinct: LedgerPost[] = [
      ...Array.from({ length: 900 }, (_, n): LedgerPost => ({
        key: `session:s-${n % 3}:minute:${n}`,
        accountId: 'acct-1',
        kind: 'publish',
        delta: -3000,
      })),
      ...Array.from({ length: 60 }, (_, n): LedgerPost => ({
        key: `viewing:s-1:minute:${n}`,
        accountId: 'acct-1',
        kind: 'viewing',
        delta: -(n % 7 + 1) * 10,
      })),
      ...Array.from({ length: 40 }, (_, n): LedgerPost => ({
        key: `checkout:cs_${n}`,
        accountId: 'acct-1',
        kind: 'purchase',
        delta: 100_000,
      })),
    ];
    const expected = distinct.reduce((sum, entry) => sum + entry.delta, 0);
    const sends = shuffled(
      distinct.flatMap((entry, i) => i % 3 ? [entry, entry] : [entry, entry, entry]),
      7,
    );

    let posted = 0;
    const half = Math.floor(sends.length / 2);
    for (let at = 0; at < sends.length; at += 25) {
      if (at >= half && at - 25 < half) {
        // The edge restarts: the database is closed and opened again from its file.
        opened.close();
        ({ opened, deps } = await open(url));
      }
      const results = await Promise.all(
        sends.slice(at, at + 25).map((entry) => postEntry(deps, entry)),
      );
      posted += results.filter((result) => result.posted).length;
    }
    assert.equal(posted, distinct.length, 'each key posted exactly once');
    assert.equal(await balanceOf(deps, 'acct-1'), expected);
    assert.equal((await deps.db.select().from(ledgerEntries)).length, distinct.length);
    assert.equal(await balanceOf(deps, 'nobody'), 0);
    const purchases = await entriesOf(deps, 'acct-1', { kind: 'purchase', limit: 5 });
    assert.equal(purchases.length, 5);
    assert.ok(purchases.every((entry) => entry.delta === 100_000));
    opened.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a replay that differs, a bad key or amount, an unknown account: refused, nothing posted', async () => {
  const { opened, deps } = await open('file::memory:');
  try {
    await deps.db.insert(accounts).values({
      id: 'a',
      email: 'a@example.test',
      role: 'streamer',
      createdAt: new Date(0),
    });
    const first: LedgerPost = {
      key: 'checkout:cs_1',
      accountId: 'a',
      kind: 'purchase',
      delta: 5000,
    };
    assert.equal((await postEntry(deps, first)).posted, true);
    assert.equal((await postEntry(deps, { ...first, memo: 'again' })).posted, false);
    await assert.rejects(
      postEntry(deps, { ...first, delta: 50_000 }),
      (error) =>
        error instanceof HttpError && error.status === 409 && /already posted/.test(error.message),
    );
    for (
      const bad of [{ key: 'checkout' }, { key: 'checkout:a b' }, { delta: 0 }, { delta: 1.5 }]
    ) {
      await assert.rejects(
        postEntry(deps, { ...first, key: 'grant:x', ...bad }),
        (error) => error instanceof HttpError && error.status === 400,
        JSON.stringify(bad),
      );
    }
    // An account that does not exist: the foreign key holds.
    await assert.rejects(
      postEntry(deps, { ...first, key: 'grant:ghost', accountId: 'ghost' }),
      (error) =>
        error instanceof HttpError && error.status === 404 &&
        /no account 'ghost'/.test(error.message),
    );
    assert.equal(await balanceOf(deps, 'a'), 5000);
  } finally {
    opened.close();
  }
});
