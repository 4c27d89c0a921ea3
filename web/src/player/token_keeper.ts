// Keeps a valid playback token while the player runs: the first grant, renewals before
// expiry (same viewer session), retries when the edge cannot answer.
import { ApiError, type ReceivedGrant } from '../api.ts';
import type { Token } from './engine.ts';
import { clockOffsetMs, localExpiryMs, renewalDelayMs } from './token.ts';

/** A failed renewal is tried again this often (the old token usually still has a while). */
export const RENEW_RETRY_MS = 5_000;

export interface TokenKeeperOptions {
  /** POST …/playback, with the session of the previous grant when there is one. */
  request(session: string | null): Promise<ReceivedGrant>;
  /** A renewed token is now the current one. */
  renewed(token: Token): void;
  /** The edge refused a renewal because the room is not live (409). */
  notLive(): void;
}

export interface TokenKeeper {
  /** A fresh grant (reusing the session); renewals are scheduled from it. Throws ApiError. */
  acquire(): Promise<Token>;
  /** Renew now (e.g. after a 403); true when a new token is in place. */
  renewNow(): Promise<boolean>;
  current(): Token | null;
  /** The viewer session: kept for the whole page, across stops, so a viewer stays one. */
  session(): string | null;
  /** No more renewals; the token is no longer in use. */
  stop(): void;
}

export function createTokenKeeper(options: TokenKeeperOptions): TokenKeeper {
  let token: Token | null = null;
  let session: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<boolean> | null = null;
  // Answers that arrive after stop() or a newer acquire() belong to an old run.
  let generation = 0;

  const fetchToken = async (): Promise<Token> => {
    const { grant, serverDate, receivedAtMs } = await options.request(session);
    session = grant.session;
    return {
      url: grant.url,
      tokenQuery: grant.tokenQuery,
      origin: new URL(grant.url).origin,
      expiresAt: grant.expiresAt,
      expiresAtMs: localExpiryMs(grant.expiresAt, clockOffsetMs(serverDate, receivedAtMs)),
      session: grant.session,
    };
  };

  const schedule = (next: Token) => {
    clearTimeout(timer);
    const now = Date.now();
    timer = setTimeout(() => void renew(), renewalDelayMs(now, next.expiresAtMs, now));
  };

  const renew = (): Promise<boolean> => {
    if (inFlight) return inFlight;
    const mine = generation;
    clearTimeout(timer);
    inFlight = (async () => {
      try {
        const next = await fetchToken();
        if (mine !== generation) return false;
        token = next;
        schedule(next);
        options.renewed(next);
        return true;
      } catch (failure) {
        if (mine !== generation) return false;
        console.debug('[player] token renewal failed', failure);
        if (failure instanceof ApiError && failure.status === 409) options.notLive();
        timer = setTimeout(() => void renew(), RENEW_RETRY_MS);
        return false;
      } finally {
        if (mine === generation) inFlight = null;
      }
    })();
    return inFlight;
  };

  return {
    async acquire() {
      const mine = ++generation;
      clearTimeout(timer);
      inFlight = null;
      const next = await fetchToken();
      if (mine !== generation) throw new Error('superseded');
      token = next;
      schedule(next);
      return next;
    },
    renewNow: () => (token ? renew() : Promise.resolve(false)),
    current: () => token,
    session: () => session,
    stop() {
      generation++;
      clearTimeout(timer);
      inFlight = null;
      token = null;
    },
  };
}
