// The credits ledger (edge/db/schema.ts ledgerEntries): post an entry once per idempotency
// key, read a balance as the sum of the entries. Posting the same key again is a replay
// and changes nothing; the same key with a different account, kind or amount is a bug in
// whoever sent it, refused loudly rather than silently kept or overwritten.
import { and, eq, sql } from 'drizzle-orm';
import type { EdgeDeps } from '../deps.ts';
import { LEDGER_KINDS, ledgerEntries } from '../db/schema.ts';
import { HttpError } from '../http_error.ts';

export type LedgerKind = (typeof LEDGER_KINDS)[number];

export interface LedgerPost {
  /** What caused the entry, unique for good: `session:<id>:minute:<n>`, `checkout:<id>`. */
  key: string;
  accountId: string;
  kind: LedgerKind;
  /** Milli-credits: positive in, negative out. */
  delta: number;
  memo?: string;
}

export interface LedgerEntry extends Required<LedgerPost> {
  id: string;
  at: number;
}

const KEY = /^[a-z]+(?::[A-Za-z0-9_-]{1,100}){1,4}$/;

/** Posts `entry` unless its key is there already; says which. */
export async function postEntry(
  deps: EdgeDeps,
  entry: LedgerPost,
): Promise<{ posted: boolean; entry: LedgerEntry }> {
  if (!KEY.test(entry.key)) {
    throw new HttpError(
      400,
      `ledger key '${entry.key.slice(0, 120)}' is not of the form kind:id[:…]`,
    );
  }
  if (!Number.isSafeInteger(entry.delta) || entry.delta === 0) {
    throw new HttpError(400, `ledger amount must be a whole, non-zero number (got ${entry.delta})`);
  }
  const row = {
    id: crypto.randomUUID(),
    key: entry.key,
    accountId: entry.accountId,
    kind: entry.kind,
    delta: entry.delta,
    memo: entry.memo ?? '',
    at: deps.now(),
  };
  const inserted = await deps.db.insert(ledgerEntries).values(row)
    .onConflictDoNothing({ target: ledgerEntries.key }).returning({ id: ledgerEntries.id })
    .catch((error) => {
      // The one constraint a caller can break besides the key: the account must exist.
      if (/FOREIGN KEY/i.test(String(error?.cause ?? error))) {
        throw new HttpError(404, `no account '${entry.accountId.slice(0, 64)}' to bill`);
      }
      throw error;
    });
  if (inserted.length) return { posted: true, entry: row };
  const [kept] = await deps.db.select().from(ledgerEntries).where(eq(ledgerEntries.key, entry.key));
  if (
    !kept || kept.accountId !== entry.accountId || kept.kind !== entry.kind ||
    kept.delta !== entry.delta
  ) {
    throw new HttpError(
      409,
      `ledger key '${entry.key}' was already posted with another account, kind or amount`,
    );
  }
  return { posted: false, entry: kept };
}

/** The account's balance in milli-credits: the sum of its entries (0 without any). */
export async function balanceOf(deps: EdgeDeps, accountId: string): Promise<number> {
  const [row] = await deps.db.select({ sum: sql<number | null>`sum(${ledgerEntries.delta})` })
    .from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId));
  return Number(row?.sum ?? 0);
}

/** The newest entries of an account, newest first (the usage page). */
export async function entriesOf(
  deps: EdgeDeps,
  accountId: string,
  options: { limit?: number; kind?: LedgerKind } = {},
): Promise<LedgerEntry[]> {
  const where = options.kind
    ? and(eq(ledgerEntries.accountId, accountId), eq(ledgerEntries.kind, options.kind))
    : eq(ledgerEntries.accountId, accountId);
  return await deps.db.select().from(ledgerEntries).where(where)
    .orderBy(sql`${ledgerEntries.at} desc, ${ledgerEntries.id}`).limit(options.limit ?? 100);
}
