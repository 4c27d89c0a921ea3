// The last step of building the edge's collaborators: better-auth over the same database,
// store and mailer. Sign-up is open only where its verification mail can be sent.
import { createAccountsAuth } from './auth/accounts_auth.ts';
import type { BaseEdgeDeps, EdgeDeps } from './deps.ts';

export async function withAccounts(base: BaseEdgeDeps): Promise<EdgeDeps> {
  const { accounts } = base.settings;
  const canVerify = base.mailer.transport !== 'none' || !accounts.requireEmailVerification;
  if (accounts.signUp && !canVerify) {
    base.log.info(
      'sign-up is off: new accounts must confirm their address by mail and edge.mail.transport ' +
        'is none (set edge.mail, or edge.accounts.requireEmailVerification: false)',
    );
  }
  const auth = await createAccountsAuth({
    db: base.db,
    store: base.store,
    mailer: base.mailer,
    log: base.log,
    publicUrl: base.settings.publicUrl,
    corsOrigins: base.settings.corsOrigins,
    clusterSecret: base.clusterSecret,
    sessionTtlHours: base.settings.sessionTtlHours,
    requireEmailVerification: accounts.requireEmailVerification,
    signUp: accounts.signUp && canVerify,
  });
  return { ...base, auth };
}
