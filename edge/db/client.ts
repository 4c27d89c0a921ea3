// Opens the edge's libSQL database: a `file:` database on one box (the embedded default),
// or a libSQL server (sqld, Turso) over `http(s):`/`libsql:` when it outgrows one box.
import { createClient } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import * as schema from './schema.ts';

export type Database = LibSQLDatabase<typeof schema>;

export interface OpenedDatabase {
  db: Database;
  close(): void;
}

export function openDatabase(options: { url: string; authToken?: string }): OpenedDatabase {
  const client = createClient({ url: options.url, authToken: options.authToken || undefined });
  return { db: drizzle(client, { schema }), close: () => client.close() };
}
