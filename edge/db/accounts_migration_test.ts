// An edge from before better-auth, upgraded: its accounts keep their passwords (moved to the
// credential rows), count as verified, and its room owners become streamers.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { hashPassword } from '../auth/secrets.ts';
import { openDatabase } from './client.ts';
import { MIGRATIONS_FOLDER } from './migrate.ts';
import { createTestEdge } from '../testing.ts';

/** The migrations folder as it was before `tag` (its journal cut there). */
async function migrationsBefore(tag: string, dir: string): Promise<string> {
  const folder = join(dir, 'migrations');
  await cp(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, 'meta/_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8'));
  const at = journal.entries.findIndex((e: { tag: string }) => e.tag === tag);
  assert.ok(at > 0, `no migration ${tag}`);
  journal.entries = journal.entries.slice(0, at);
  await writeFile(journalPath, JSON.stringify(journal));
  return folder;
}

test('accounts made before better-auth sign in with their old passwords after the upgrade', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-migrate-'));
  const url = `file:${join(dir, 'edge.db')}`;
  try {
    const old = openDatabase({ url });
    await migrate(old.db, { migrationsFolder: await migrationsBefore('0004_accounts_auth', dir) });
    const hash = await hashPassword('an old passphrase', 1000);
    await old.db.run(sql`INSERT INTO accounts (id, email, name, role, password_hash, created_at)
      VALUES ('acct-old', 'old@example.test', 'Old', 'owner', ${hash}, 1700000000000)`);
    old.close();

    const edge = await createTestEdge({ databaseUrl: url });
    try {
      const login = await edge.app.request('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'old@example.test', password: 'an old passphrase' }),
      });
      assert.equal(login.status, 200);
      const { account } = await login.json();
      assert.equal(account.role, 'streamer');
      assert.equal(account.emailVerified, true);
      assert.equal(account.createdAt, 1700000000000);
      const signIn = await edge.app.request('/api/auth/sign-in/email', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: edge.deps.settings.publicUrl },
        body: JSON.stringify({ email: 'old@example.test', password: 'an old passphrase' }),
      });
      assert.equal(signIn.status, 200, 'better-auth verifies the moved hash too');
    } finally {
      await edge.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
