// Applies drizzle-kit's generated migrations (edge/db/migrations) at start. drizzle's
// migrator records what it applied, so running it on every start is safe.
import { migrate } from 'drizzle-orm/libsql/migrator';
import type { Database } from './client.ts';

export const MIGRATIONS_FOLDER = new URL('./migrations', import.meta.url).pathname;

export async function applyMigrations(db: Database): Promise<void> {
  await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
}
