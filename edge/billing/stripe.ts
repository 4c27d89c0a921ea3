// Payments through Stripe Checkout (mode payment: one credit pack, paid once) and its
// signed webhooks, on the official `stripe` package with fetch and Web Crypto, so the same
// code runs on Node and Deno. A paid Checkout Session credits its pack once, under the key
// `checkout:<session id>`: a webhook delivered twice, retried, or its two "paid" events
// (completed, async payment succeeded) in either order post one entry.
import Stripe from 'stripe';
import type { EdgeDeps } from '../deps.ts';
import { HttpError } from '../http_error.ts';
import { toMilli } from './credits.ts';
import { postEntry } from './ledger.ts';

/** How old a webhook's signed timestamp may be (Stripe's own default). */
const WEBHOOK_TOLERANCE_SECONDS = 300;

export type StripeSettings = EdgeDeps['settings']['billing']['stripe'];

export function stripeConfigured(settings: StripeSettings): boolean {
  return settings.secretKey !== '' && settings.webhookSecret !== '';
}

export function createStripeClient(settings: StripeSettings): Stripe {
  const api = settings.apiUrl ? new URL(settings.apiUrl) : null;
  return new Stripe(settings.secretKey, {
    httpClient: Stripe.createFetchHttpClient(),
    telemetry: false,
    maxNetworkRetries: 1,
    timeout: 20_000,
    ...(api
      ? {
        host: api.hostname,
        port: api.port || (api.protocol === 'https:' ? 443 : 80),
        protocol: api.protocol === 'https:' ? 'https' : 'http',
      }
      : {}),
  });
}

export interface CheckoutStarted {
  url: string;
  sessionId: string;
}

/** A Checkout Session for one pack; the page sends the person to its URL. */
export async function startCheckout(
  deps: EdgeDeps,
  stripe: Stripe,
  account: { id: string; email: string },
  packId: string,
): Promise<CheckoutStarted> {
  const pack = deps.settings.billing.stripe.packs.find((p) => p.id === packId);
  if (!pack) {
    const known = deps.settings.billing.stripe.packs.map((p) => p.id).join(', ');
    throw new HttpError(400, `no credit pack '${packId}' (packs: ${known || 'none'})`);
  }
  const base = deps.settings.publicUrl;
  let session: Stripe.Checkout.Session;
  try {
    session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{
        quantity: 1,
        price_data: {
          currency: pack.currency,
          unit_amount: pack.amountCents,
          product_data: { name: `${pack.credits} roomcast credits` },
        },
      }],
      client_reference_id: account.id,
      customer_email: account.email,
      metadata: { accountId: account.id, packId: pack.id, credits: String(pack.credits) },
      success_url: `${base}/account?checkout=done`,
      cancel_url: `${base}/account?checkout=cancelled`,
    });
  } catch (error) {
    // Stripe's message names the problem (never the key); the status says it is upstream.
    const message = error instanceof Stripe.errors.StripeError ? error.message : 'no answer';
    deps.log.error('stripe checkout failed', { reason: message.slice(0, 200) });
    throw new HttpError(503, `payments are unavailable right now (${message.slice(0, 200)})`);
  }
  if (!session.url) throw new HttpError(503, 'Stripe returned no checkout page');
  return { url: session.url, sessionId: session.id };
}

const PAID_EVENTS = new Set([
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
]);

export type WebhookOutcome = 'credited' | 'alreadyCredited' | 'notPaid' | 'ignored';

/**
 * A webhook delivery: its signature checked by the library (against the raw body, the
 * signing secret and the edge's clock), then a paid Checkout Session credited once.
 */
export async function handleStripeWebhook(
  deps: EdgeDeps,
  stripe: Stripe,
  rawBody: string,
  signature: string | undefined,
): Promise<WebhookOutcome> {
  if (!signature) throw new HttpError(400, 'Stripe-Signature header is missing');
  let event: Stripe.Event;
  try {
    event = await stripe.webhooks.constructEventAsync(
      rawBody,
      signature,
      deps.settings.billing.stripe.webhookSecret,
      WEBHOOK_TOLERANCE_SECONDS,
      Stripe.createSubtleCryptoProvider(),
      // The edge's clock, in milliseconds (the library divides by 1000 itself).
      deps.now(),
    );
  } catch (error) {
    const why = error instanceof Stripe.errors.StripeSignatureVerificationError
      ? 'signature does not match this endpoint or is too old'
      : 'body is not a Stripe event';
    throw new HttpError(400, `webhook refused: ${why}`);
  }
  if (!PAID_EVENTS.has(event.type)) return 'ignored';
  const session = event.data.object as Stripe.Checkout.Session;
  if (session.payment_status !== 'paid') return 'notPaid';
  const accountId = session.metadata?.accountId ?? session.client_reference_id;
  const credits = Number(session.metadata?.credits);
  if (!accountId || !Number.isFinite(credits) || credits <= 0) {
    deps.log.warn('paid checkout without roomcast metadata ignored', { session: session.id });
    return 'ignored';
  }
  const { posted } = await postEntry(deps, {
    key: `checkout:${session.id}`,
    accountId,
    kind: 'purchase',
    delta: toMilli(credits),
    memo: `${credits} credits bought (${session.metadata?.packId ?? 'pack'})`,
  });
  if (posted) deps.log.info('credits bought', { account: accountId, credits });
  return posted ? 'credited' : 'alreadyCredited';
}
