// Hono's typed context for the edge: what the auth middlewares put on a request.
import type { Account } from './services/accounts.ts';
import type { findNode } from './services/registry.ts';

export type NodeRecord = NonNullable<Awaited<ReturnType<typeof findNode>>>;

export interface EdgeEnv {
  Variables: {
    account: Account;
    node: NodeRecord;
  };
}
