// Opens the edge's libSQL database: a `file:` database on one box (the embedded default),
// or a libSQL server (sqld, Turso) over `http(s):`/`libsql:` when it outgrows one box.
import { createClient } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import * as schema from './schema.ts';

export type Database = LibSQLDatabase<typeof schema>;

export interface OpenedDatabase {
  db: Database;
  /** Settles the connection's settings; call once before use. */
  ready(): Promise<void>;
  close(): void;
}

/**
 * An embedded database file in WAL mode with `synchronous=NORMAL`: a commit then appends to
 * the log without waiting for the disk (SQLite's own advice for WAL; a power cut may lose
 * the last commits, never consistency). In the default rollback mode every commit waits for
 * several fsyncs, and the embedded client runs them on the edge's only thread: every chat
 * message stalled every socket for milliseconds. `busy_timeout`: a second process on the
 * same file (a CLI, another edge) waits its turn instead of failing at once.
 */
const FILE_PRAGMAS = [
  'PRAGMA journal_mode=WAL',
  'PRAGMA synchronous=NORMAL',
  'PRAGMA busy_timeout=5000',
];

export function openDatabase(options: { url: string; authToken?: string }): OpenedDatabase {
  const client = createClient({ url: options.url, authToken: options.authToken || undefined });
  const isFile = options.url.startsWith('file:');
  return {
    db: drizzle(client, { schema }),
    ready: async () => {
      if (!isFile) return;
      for (const pragma of FILE_PRAGMAS) await client.execute(pragma);
    },
    close: () => client.close(),
  };
}
