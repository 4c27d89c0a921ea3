// Applies drizzle-kit's generated migrations (edge/db/migrations) at start. drizzle's
// migrator records what it applied, so running it on every start is safe; when several
// edge instances start at once on one fresh database, the loser of the race sees "already
// exists" and retries, by then finding the migrations recorded.
import { migrate } from 'drizzle-orm/libsql/migrator';
import type { Database } from './client.ts';

export const MIGRATIONS_FOLDER = new URL('./migrations', import.meta.url).pathname;

export async function applyMigrations(db: Database, attempts = 5): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
      return;
    } catch (error) {
      const racing = /already exists/i.test(String((error as Error).message ?? error));
      if (!racing || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}
