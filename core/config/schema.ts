// The one typed configuration of every roomcast process (edge, redis bridge, encoder agent,
// collector, watchdog, config pusher). Each process reads its own section; they share one
// schema so one file, one set of ROOMCAST_* variables and one set of error messages serve
// them all. Runtime-neutral: no node:* or Deno.* here, only zod.
//
// Validation messages are written as "must …" phrases on purpose: the loader prefixes them
// with the quoted key path and appends what was given and where it came from, e.g.
// `'edge.listen.port' must be a whole number from 1 to 65535 (got "abc") [from ROOMCAST_EDGE_LISTEN_PORT]`.

import { z } from 'zod';

// ---------------------------------------------------------------------------------------
// Leaf builders: each carries its own operator-facing message for every way it can fail.

function wholeNumber(min: number, max: number) {
  const must = `must be a whole number from ${min} to ${max}`;
  return z.number({ error: must }).int({ error: must }).min(min, { error: must }).max(max, {
    error: must,
  });
}

function evenWholeNumber(min: number, max: number) {
  const must = `must be an even whole number from ${min} to ${max}`;
  return wholeNumber(min, max).multipleOf(2, { error: must });
}

function positiveWholeNumber() {
  const must = 'must be a whole number > 0';
  return z.number({ error: must }).int({ error: must }).positive({ error: 'must be > 0' });
}

function port() {
  return wholeNumber(1, 65535);
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.map((v) => `'${v}'`).join(', ')}` });
}

function text() {
  return z.string({ error: 'must be text' });
}

function flag() {
  return z.boolean({ error: 'must be true or false' });
}

function host() {
  return text().regex(/^[A-Za-z0-9._:[\]-]+$/, {
    error: "must be a host name or IP address, like '127.0.0.1' or '0.0.0.0'",
  });
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

// A base URL is joined with paths by the code (`${publicUrl}/hls/…`), so a trailing slash
// would double up and a query or fragment would end up in the middle of the result.
function isBaseUrl(value: string): boolean {
  const url = parseUrl(value);
  return url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') &&
    !value.endsWith('/') && url.search === '' && url.hash === '' && url.username === '';
}

function baseUrl() {
  return text().refine(isBaseUrl, {
    error: "must be an http(s) URL without a trailing slash, like 'https://live.example.org'",
  });
}

// Node ids and room ids appear in URLs, file names and log labels, so they stay a slug.
function slug() {
  return text().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
    error: 'must be 1 to 63 lowercase letters, digits or dashes, starting with a letter or digit',
  });
}

function listen(defaultHost: string, defaultPort: number, what: string) {
  return z.strictObject({
    host: host().default(defaultHost).describe(
      `Address ${what} binds to. 127.0.0.1 keeps it local; 0.0.0.0 listens on every interface.`,
    ),
    port: port().default(defaultPort).describe(`TCP port ${what} listens on (1-65535).`),
  }).prefault({}).describe(`Where ${what} listens.`);
}

// ---------------------------------------------------------------------------------------
// Sections

const log = z.strictObject({
  level: oneOf(['debug', 'info', 'warn', 'error']).default('info').describe(
    'Lowest level that is written: debug, info, warn or error.',
  ),
  json: flag().default(false).describe(
    'Write JSON lines instead of labelled text lines (for log shippers).',
  ),
}).prefault({}).describe('Logging of every roomcast process.');

const rate = (messages: number, seconds: number, who: string) =>
  z.strictObject({
    messages: wholeNumber(1, 10000).default(messages).describe(
      `Messages ${who} may send per window (1-10000).`,
    ),
    seconds: wholeNumber(1, 3600).default(seconds).describe('Length of the window (1-3600 s).'),
  }).prefault({}).describe(`Rate limit on chat messages from ${who}.`);

const chat = z.strictObject({
  guests: flag().default(false).describe(
    'Whether viewers without an account may post (under a guest name the edge gives them). ' +
      'Moderators can change it per room.',
  ),
  mode: oneOf(['open', 'members', 'off']).default('open').describe(
    'Who may post in a room: open (everyone allowed), members (signed-in accounts), off.',
  ),
  slowModeSeconds: wholeNumber(0, 3600).default(0).describe(
    'Seconds one person must wait between two messages (0 = off, up to 3600).',
  ),
  links: oneOf(['allow', 'members', 'block']).default('members').describe(
    'Links in messages: allow, members (signed-in accounts only) or block.',
  ),
  maxLength: wholeNumber(1, 500).default(500).describe(
    'Longest message, in characters (1-500).',
  ),
  retentionDays: wholeNumber(1, 3650).default(30).describe(
    'Days chat messages are kept (for the replay beside a recording), then deleted (1-3650).',
  ),
  perUser: rate(5, 10, 'one person'),
  perAddress: rate(20, 10, 'one IP address (all its people together)'),
  trustForwardedFor: flag().default(false).describe(
    'Take the client address for the per-address limit from the last X-Forwarded-For entry ' +
      '(only behind a proxy or load balancer that sets it).',
  ),
  fanoutPollMs: wholeNumber(10, 5000).default(50).describe(
    'With several edges (liveStore upstash): how often each edge reads new messages from the ' +
      'live store, in ms (10-5000).',
  ),
}).prefault({}).describe('Viewer chat beside the player and the crew channel of each event.');

const mail = z.strictObject({
  transport: oneOf(['none', 'smtp', 'http']).default('none').describe(
    'How the edge sends mail (verification, password reset): none (no mail is sent), smtp, ' +
      'or http (a Resend-style mail API, for hosts that block SMTP).',
  ),
  from: text().default('roomcast <noreply@localhost>').describe(
    "Sender of every mail, as 'Name <address>' or an address.",
  ),
  smtp: z.strictObject({
    host: text().default('').describe('SMTP server host name; needed for transport smtp.'),
    port: wholeNumber(1, 65535).default(587).describe(
      'SMTP port: 587 (STARTTLS) or 465 (TLS from the start, with secure: true).',
    ),
    secure: flag().default(false).describe(
      'TLS from the first byte (port 465). false: STARTTLS when the server offers it.',
    ),
    user: text().default('').describe('SMTP login name; empty for a server without login.'),
    password: text().default('').describe('Secret. SMTP password.'),
  }).prefault({}).describe('The SMTP server (transport smtp).'),
  http: z.strictObject({
    url: text().refine((v) => v === '' || isBaseUrl(v), {
      error: 'must be empty or an http(s) URL without a trailing slash',
    }).default('').describe(
      'Mail API endpoint taking POST {from, to, subject, text, html} with a bearer key, ' +
        "like Resend's https://api.resend.com/emails; needed for transport http.",
    ),
    apiKey: text().default('').describe('Secret. Bearer key of the mail API.'),
  }).prefault({}).describe('The mail API (transport http).'),
  timeoutSeconds: wholeNumber(1, 120).default(15).describe(
    'Longest wait for the mail server or API to take one mail (1-120 s).',
  ),
}).superRefine((mail, ctx) => {
  const missing = mail.transport === 'smtp' && mail.smtp.host === ''
    ? "'{.smtp.host}'"
    : mail.transport === 'http' && (mail.http.url === '' || mail.http.apiKey === '')
    ? "'{.http.url}' and '{.http.apiKey}'"
    : null;
  if (!missing) return;
  ctx.addIssue({
    code: 'custom',
    message: `${missing} must be set when '{.transport}' is '${mail.transport}'`,
    params: { sentence: true },
  });
}).prefault({}).describe('Outgoing mail of the edge: account verification and password reset.');

const accountsSection = z.strictObject({
  signUp: flag().default(true).describe(
    'Whether people may create their own accounts on the sign-up page (false: admins create ' +
      'them). Needs mail (edge.mail) unless requireEmailVerification is false.',
  ),
  requireEmailVerification: flag().default(true).describe(
    'A new account signs in only after opening the link mailed to it.',
  ),
}).prefault({}).describe('Accounts people make themselves: sign-up, verification, reset.');

/** Credits are shown with up to three decimals; the ledger counts milli-credits. */
const credits = (what: string, fallback: number) =>
  z.number({ error: 'must be a number of credits >= 0' }).min(0, {
    error: 'must be a number of credits >= 0',
  }).refine((v) => Math.abs(v * 1000 - Math.round(v * 1000)) < 1e-6, {
    error: 'must have at most three decimals',
  }).default(fallback).describe(what);

const plan = z.strictObject({
  name: slug().describe('Plan name, as accounts name it (lowercase letters, digits, dashes).'),
  publishMinute: credits('Credits per minute of publish and per rendition of the ladder.', 1),
  viewerMinute: credits('Credits per minute one viewer watches.', 0.01),
  sessionMinutes: wholeNumber(0, 100000).default(0).describe(
    "Longest publish session, in minutes (0 = no limit): a free plan's N minutes.",
  ),
});

const webhook = z.strictObject({
  name: slug().describe('Name of the receiver, as logs and the dead-letter list show it.'),
  url: text().refine((v) => /^https?:\/\/\S+$/.test(v), {
    error: 'must be an http(s) URL',
  }).describe(
    'Secret. Where alerts are POSTed (Discord and Slack webhook URLs carry their token).',
  ),
  format: oneOf(['json', 'discord', 'slack']).default('json').describe(
    'Body: json = the alert as JSON; discord = {content}; slack = {text}.',
  ),
});

const alerts = z.strictObject({
  evaluateSeconds: wholeNumber(1, 300).default(2).describe(
    'How often the edge evaluates the alert rules, in seconds (1-300).',
  ),
  silenceSeconds: wholeNumber(1, 3600).default(10).describe(
    "Seconds a room's audio may stay silent before it alerts (1-3600).",
  ),
  blackSeconds: wholeNumber(1, 3600).default(10).describe(
    'Seconds the delivered picture may stay black before it alerts (1-3600).',
  ),
  frozenSeconds: wholeNumber(1, 3600).default(10).describe(
    'Seconds the delivered picture may stay frozen before it alerts (1-3600).',
  ),
  uplinkLostSeconds: wholeNumber(0, 3600).default(2).describe(
    "Seconds a room's publisher may be gone (reconnect window) before it alerts (0-3600).",
  ),
  keyLeakWindowMinutes: wholeNumber(1, 1440).default(10).describe(
    'A stream key published from a second address within this many minutes of the first ' +
      'alerts as a possible leak (1-1440).',
  ),
  webhooks: z.array(webhook, { error: 'must be a list of webhooks' }).default([]).describe(
    'Receivers of every alert that fires or resolves.',
  ),
  deliveryAttempts: wholeNumber(1, 20).default(6).describe(
    'Attempts per webhook delivery before it goes to the dead-letter list (1-20).',
  ),
  deliveryTimeoutSeconds: wholeNumber(1, 60).default(5).describe(
    'Seconds one webhook delivery may take (1-60).',
  ),
}).superRefine((alerts, ctx) => {
  const names = alerts.webhooks.map((w) => w.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice === undefined) return;
  ctx.addIssue({
    code: 'custom',
    message: `webhook name '${twice}' is used twice`,
    path: ['webhooks'],
  });
});

const creditPack = z.strictObject({
  id: slug().describe('Pack id, as the account page and Checkout name it.'),
  credits: positiveWholeNumber().describe('Credits the pack adds (> 0).'),
  amountCents: positiveWholeNumber().describe('Price in the smallest unit of the currency (> 0).'),
  currency: text().regex(/^[a-z]{3}$/, { error: "must be a three-letter currency code like 'eur'" })
    .default('eur').describe('ISO currency code, lowercase.'),
});

const billing = z.strictObject({
  enabled: flag().default(false).describe(
    'Meter publishing and viewing into the credit ledger and cut off a publish whose account ' +
      'ran out (after the grace period).',
  ),
  plans: z.array(plan, { error: 'must be a list of plans' }).min(1, {
    error: 'must name at least one plan',
  }).default([
    { name: 'standard', publishMinute: 1, viewerMinute: 0.01, sessionMinutes: 0 },
    { name: 'free', publishMinute: 1, viewerMinute: 0, sessionMinutes: 30 },
  ])
    .describe('Prices per plan: publish minutes (per rendition), viewer minutes, session limit.'),
  defaultPlan: slug().default('standard').describe('Plan of accounts that name none.'),
  welcomeCredits: credits('Credits a streamer gets when an admin approves them.', 60),
  lowBalanceCredits: credits('Balance under which the account page and API warn.', 30),
  graceMinutes: wholeNumber(0, 1440).default(5).describe(
    'Minutes a running publish goes on after its account reached zero, before the cut-off ' +
      '(0-1440); the balance may go that far below zero.',
  ),
  whenDown: z.strictObject({
    running: oneOf(['continue', 'cutOff']).default('continue').describe(
      'What a running publish does when the ledger cannot be read or written: continue ' +
        '(fail open; the minutes are metered when it is back) or cutOff.',
    ),
    newPublish: oneOf(['refuse', 'allow']).default('refuse').describe(
      'What a new publish gets when the ledger cannot be read: refuse (fail closed) or allow.',
    ),
  }).prefault({}).describe('Billing or its database down: what live rooms do.'),
  stripe: z.strictObject({
    secretKey: text().default('').describe('Secret. Stripe API key (sk_…); empty: no Checkout.'),
    webhookSecret: text().default('').describe(
      'Secret. Signing secret of the Stripe webhook endpoint (whsec_…).',
    ),
    apiUrl: text().refine((v) => v === '' || isBaseUrl(v), {
      error: 'must be empty or an http(s) URL without a trailing slash',
    }).default('').describe('Stripe API base URL; empty = https://api.stripe.com.'),
    packs: z.array(creditPack, { error: 'must be a list of credit packs' }).default([
      { id: 'small', credits: 600, amountCents: 1000, currency: 'eur' },
    ]).describe('Credit packs sold through Stripe Checkout.'),
  }).superRefine((stripe, ctx) => {
    if ((stripe.secretKey === '') === (stripe.webhookSecret === '')) return;
    ctx.addIssue({
      code: 'custom',
      message: "'{.secretKey}' and '{.webhookSecret}' must be set together (or both empty)",
      params: { sentence: true },
    });
  }).prefault({}).describe('Payments: Stripe Checkout for credit packs.'),
}).superRefine((billing, ctx) => {
  if (billing.plans.some((p) => p.name === billing.defaultPlan)) return;
  ctx.addIssue({
    code: 'custom',
    message: `'{.defaultPlan}' must name one of '{.plans}' (got '${billing.defaultPlan}'; plans: ${
      billing.plans.map((p) => p.name).join(', ')
    })`,
    params: { sentence: true },
  });
}).prefault({}).describe('Credits, metering and payments.');

const edge = z.strictObject({
  listen: listen('127.0.0.1', 8080, 'the edge HTTP server'),
  publicUrl: baseUrl().default('http://127.0.0.1:8080').describe(
    'Base URL of the edge as players and collectors reach it: http(s), no trailing slash.',
  ),
  dataDir: text().min(1, { error: 'must not be empty' }).default('./data/edge').describe(
    'Directory of the embedded database and the secrets generated on first start.',
  ),
  database: z.strictObject({
    url: text().refine(
      (v) => v === '' || /^(file:|libsql:\/\/|https?:\/\/)/.test(v),
      { error: "must be empty or a 'file:', 'libsql://', 'http://' or 'https://' URL" },
    ).default('').describe(
      'libSQL database URL. Empty = the embedded file:<dataDir>/roomcast.db; otherwise ' +
        'file:, libsql:// (Turso) or http(s):// (sqld).',
    ),
    authToken: text().default('').describe(
      'Secret. Auth token for a remote libSQL database (Turso, sqld); empty for file:.',
    ),
  }).prefault({}).describe('Durable data: accounts, rooms, stream keys, billing.'),
  liveStore: z.strictObject({
    kind: oneOf(['memory', 'upstash']).default('memory').describe(
      'memory = in-process (one edge instance only); upstash = Upstash Redis REST API or the ' +
        'roomcast redis bridge (needed for several edge instances).',
    ),
    url: text().refine((v) => v === '' || isBaseUrl(v), {
      error: 'must be empty or an http(s) URL without a trailing slash',
    }).default('').describe(
      'REST URL of the Upstash database or redis bridge; needed for upstash.',
    ),
    token: text().default('').describe('Secret. REST token of the live store; needed for upstash.'),
  }).superRefine((store, ctx) => {
    if (store.kind !== 'upstash') return;
    const missing = (['url', 'token'] as const).filter((key) => store[key] === '');
    if (missing.length === 0) return;
    ctx.addIssue({
      code: 'custom',
      // Placeholders `{.key}` become full key paths in the loader; this object does not
      // know where it sits in the tree.
      message: `'{.url}' and '{.token}' must both be set when '{.kind}' is 'upstash' (empty: ${
        missing.map((key) => `'{.${key}}'`).join(', ')
      })`,
      params: { sentence: true },
    });
  }).prefault({}).describe(
    'Live state, rate limits and chat fan-out: presence, sessions, viewer counts.',
  ),
  clusterSecret: text().refine((v) => v === '' || v.length >= 32, {
    error: 'must be empty (generated on first start) or at least 32 characters long',
  }).default('').describe(
    'Secret. Node secrets are derived from it. Empty = generated into dataDir on first start; ' +
      'if set, at least 32 characters and the same on every edge instance.',
  ),
  corsOrigins: z.array(
    text().refine((v) => parseUrl(v)?.origin === v && /^https?:/.test(v), {
      error: "must be an http(s) origin without path or trailing slash, like 'https://example.org'",
    }),
    { error: 'must be a list of origins' },
  ).default([]).describe(
    'Browser origins allowed to call the edge API across sites (embedding pages).',
  ),
  maxBodyBytes: wholeNumber(1024, 10485760).default(65536).describe(
    'Largest request body the edge accepts, in bytes (1024-10485760).',
  ),
  nodes: z.strictObject({
    heartbeatIntervalSeconds: wholeNumber(1, 300).default(5).describe(
      'Heartbeat interval the edge expects of encoders and collectors, in seconds (1-300).',
    ),
    downAfterSeconds: wholeNumber(2, 3600).default(15).describe(
      'Seconds without a heartbeat after which a node counts as down and its rooms move ' +
        '(2-3600; must be greater than heartbeatIntervalSeconds).',
    ),
  }).superRefine((nodes, ctx) => {
    if (nodes.downAfterSeconds > nodes.heartbeatIntervalSeconds) return;
    ctx.addIssue({
      code: 'custom',
      message: `'{.downAfterSeconds}' must be greater than '{.heartbeatIntervalSeconds}' so ` +
        `one late heartbeat does not mark a node down (got ${nodes.downAfterSeconds} and ` +
        `${nodes.heartbeatIntervalSeconds})`,
      params: { sentence: true },
    });
  }).prefault({}).describe('Health of registered encoder and collector nodes.'),
  reconnectWindowSeconds: wholeNumber(10, 3600).default(60).describe(
    'How long a room whose publisher dropped waits for it to come back, in seconds ' +
      '(10-3600): viewers see the "be right back" slate and the room is "back soon"; after ' +
      'it the playlists end and the room is offline.',
  ),
  playbackTokenTtlSeconds: wholeNumber(30, 86400).default(300).describe(
    'Lifetime of a signed playback token, in seconds (30-86400); players renew it by heartbeat.',
  ),
  signatureMaxSkewSeconds: wholeNumber(5, 600).default(30).describe(
    'How far the timestamp of a signed node request may be from the edge clock, in seconds ' +
      '(5-600).',
  ),
  publishAuth: z.strictObject({
    maxFailuresPerWindow: wholeNumber(1, 10000).default(10).describe(
      'Failed publish authorisations allowed per source address per window (1-10000).',
    ),
    windowSeconds: wholeNumber(1, 86400).default(60).describe(
      'Length of the failure-counting window, in seconds (1-86400).',
    ),
  }).prefault({}).describe('Brute-force limit on stream key guessing.'),
  sessionTtlHours: wholeNumber(1, 720).default(12).describe(
    'Lifetime of an operator login session, in hours (1-720).',
  ),
  metrics: z.strictObject({
    token: text().default('').describe(
      'Secret. Bearer token Prometheus sends to scrape GET /metrics. Empty = only an ' +
        "operator's or admin's API token is accepted.",
    ),
  }).prefault({}).describe('Prometheus metrics of the edge (GET /metrics, outside /api/v1).'),
  chat: chat,
  mail: mail,
  accounts: accountsSection,
  billing: billing,
  alerts: alerts.prefault({}).describe(
    'Alert rules (silence, black or frozen output, uplink lost, stale node, watchdog ' +
      'escalation, key leak) and the webhooks they go to.',
  ),
}).prefault({}).describe('The control plane (Hono app): auth, registry, billing, chat, API.');

const redisBridge = z.strictObject({
  listen: listen('127.0.0.1', 8079, 'the redis bridge'),
  redisUrl: text().refine((v) => /^rediss?:\/\/\S+$/.test(v), {
    error: "must be a 'redis://' or 'rediss://' URL",
  }).default('redis://127.0.0.1:6379').describe(
    'The real Redis the bridge talks to: redis:// or rediss:// (TLS) URL.',
  ),
  token: text().default('').describe(
    'Secret. Bearer token clients (edge.liveStore.token) must present; the bridge refuses to ' +
      'start without one.',
  ),
}).prefault({}).describe(
  'Upstash-REST-compatible bridge to a real Redis, for self-hosters of several edges.',
);

// Rendition names become playlist and directory names, hence the restricted alphabet.
const renditionName = text().regex(/^[a-z0-9][a-z0-9_-]*$/, {
  error:
    'must be lowercase letters, digits, dashes or underscores, starting with a letter or digit',
}).describe('Name of the rendition; used in playlist and directory names; unique in the ladder.');

const kbps = (what: string) => positiveWholeNumber().describe(`${what} bitrate in kbit/s (> 0).`);

const copyRendition = z.strictObject({
  name: renditionName,
  codec: z.literal('copy').describe('copy = pass the ingest through without re-encoding.'),
});

const videoRendition = z.strictObject({
  name: renditionName,
  codec: oneOf(['h264', 'vp9']).describe(
    'h264 = H.264 in fMP4/TS HLS; vp9 = VP9 in fMP4 HLS (the "WebM family" rendition).',
  ),
  height: evenWholeNumber(144, 2160).describe(
    'Output height in pixels (even, 144-2160); width follows the aspect ratio.',
  ),
  videoKbps: kbps('Video'),
  audioKbps: kbps('Audio'),
  fps: z.number({ error: 'must be a number from 1 to 120' })
    .min(1, { error: 'must be a number from 1 to 120' })
    .max(120, { error: 'must be a number from 1 to 120' })
    .optional()
    .describe('Output frame rate; omitted = same as the ingest.'),
});

const audioRendition = z.strictObject({
  name: renditionName,
  codec: z.literal('audio').describe('audio = AAC only, for listeners on poor links.'),
  audioKbps: kbps('Audio'),
});

const rendition = z.discriminatedUnion('codec', [copyRendition, videoRendition, audioRendition])
  .describe('One output of the ladder, chosen by codec: copy, h264, vp9 or audio.');

export const DEFAULT_LADDER = [
  { name: 'source', codec: 'copy' },
  { name: '720p', codec: 'h264', height: 720, videoKbps: 2800, audioKbps: 128 },
  { name: '480p', codec: 'h264', height: 480, videoKbps: 1400, audioKbps: 96 },
  { name: '360p', codec: 'h264', height: 360, videoKbps: 800, audioKbps: 96 },
  { name: 'audio', codec: 'audio', audioKbps: 96 },
] as const;

const ladder = z.array(rendition, { error: 'must be a list of renditions' })
  .min(1, { error: 'must have at least one rendition' })
  .superRefine((items, ctx) => {
    const firstIndex = new Map<string, number>();
    items.forEach((item: unknown, index) => {
      // Runs even when other entries are invalid (see `when`), so look before trusting.
      const name = typeof item === 'object' && item !== null && 'name' in item
        ? item.name
        : undefined;
      if (typeof name !== 'string') return;
      const first = firstIndex.get(name);
      if (first === undefined) {
        firstIndex.set(name, index);
        return;
      }
      ctx.addIssue({
        code: 'custom',
        path: [index, 'name'],
        message: `must be unique in the ladder (entry [${first}] has the same name)`,
      });
    });
  }, { when: (payload) => Array.isArray(payload.value) })
  // prefault (not default) so the default ladder is parsed, giving every config fresh objects.
  .prefault(() => DEFAULT_LADDER.map((item) => ({ ...item })))
  .describe('Renditions made from every live room, decoded once and scaled (at least one).');

const encoder = z.strictObject({
  nodeId: slug().default('encoder-1').describe(
    'Id of this encoder node at the edge: 1-63 of a-z, 0-9, dash.',
  ),
  edgeUrl: baseUrl().default('http://127.0.0.1:8080').describe(
    'Base URL of the edge this node registers with.',
  ),
  nodeSecret: text().default('').describe(
    'Secret. Signs requests to the edge; issued by the edge for this nodeId.',
  ),
  publicUrl: baseUrl().default('http://127.0.0.1:8088').describe(
    'Base URL where viewers fetch /hls/… from this node (or the CDN in front of it).',
  ),
  rtmp: listen('127.0.0.1', 1935, 'the RTMP ingest of nginx'),
  rtmpPublicPort: wholeNumber(0, 65535).default(0).describe(
    'RTMP port collectors are told to push to, when it differs from rtmp.port (port ' +
      'forwarding, a TCP relay); 0 = rtmp.port.',
  ),
  http: listen('127.0.0.1', 8088, 'the HLS server of nginx'),
  playerOrigin: text().min(1, { error: 'must not be empty' }).default('*').describe(
    "Origin allowed to fetch HLS from the browser (CORS), e.g. https://watch.example.org; '*' " +
      'lets embeds on any site play (playback tokens still guard every request).',
  ),
  agentPort: port().default(8089).describe(
    'Loopback-only port of the agent that receives the nginx-rtmp hooks (1-65535).',
  ),
  workDir: text().min(1, { error: 'must not be empty' }).default('./data/encoder').describe(
    'Directory for HLS output, the generated nginx.conf and runtime files.',
  ),
  capacity: wholeNumber(1, 1000).default(3).describe(
    'Live rooms this node can carry at once; the edge assigns no more (1-1000).',
  ),
  heartbeatIntervalSeconds: wholeNumber(1, 300).default(5).describe(
    'Seconds between heartbeats to the edge (1-300).',
  ),
  hls: z.strictObject({
    segmentSeconds: wholeNumber(1, 10).default(2).describe(
      'Target segment duration in seconds (1-10); also the keyframe interval.',
    ),
    windowSegments: wholeNumber(3, 60).default(6).describe(
      'Segments kept in the live playlist (3-60).',
    ),
    dvrWindowSeconds: wholeNumber(0, 21600).default(1800).describe(
      'How far back viewers may seek in the DASH manifest, in seconds (0-21600); its ' +
        'segments stay on disk that long (at 5 Mbit/s for a whole ladder, ~1.1 GB a room ' +
        'for 30 min). 0: only the live window.',
    ),
    lowLatency: flag().default(false).describe(
      'Low-latency HLS (about 1.5 s behind the camera instead of 6): 0.2 s parts, blocking ' +
        'playlist reloads. The standard playlists stay, over the same segments. For an ' +
        "event: `hls: { lowLatency: true }` on each of the event file's encoders.",
    ),
  }).prefault({}).describe('HLS and DASH output (the same CMAF segments).'),
  ladder,
}).prefault({}).describe('The cloud encoder node: nginx-rtmp ingest, ffmpeg ladder, agent.');

const collector = z.strictObject({
  nodeId: slug().default('collector-1').describe(
    'Id of this collector box at the edge: 1-63 of a-z, 0-9, dash.',
  ),
  edgeUrl: baseUrl().default('http://127.0.0.1:8080').describe(
    'Base URL of the edge this box reports to.',
  ),
  nodeSecret: text().default('').describe(
    'Secret. Signs requests to the edge; issued by the edge for this nodeId.',
  ),
  room: slug().default('demo').describe('Public id of the room this box feeds.'),
  streamKey: text().default('').describe(
    'Secret. Stream key of the room (issued by the edge). Empty = no uplink; the box still ' +
      'records locally.',
  ),
  source: z.strictObject({
    kind: oneOf(['test', 'v4l2', 'decklink']).default('test').describe(
      'Video capture: test = pattern with timecode; v4l2 = USB/HDMI grabber; decklink = ' +
        'Blackmagic SDI/HDMI card.',
    ),
    device: text().default('/dev/video0').describe('V4L2 device node (kind v4l2).'),
    deckLinkIndex: wholeNumber(0, 63).default(0).describe(
      'DeckLink card/input number (kind decklink, 0-63).',
    ),
  }).prefault({}).describe('Where the video comes from.'),
  audio: z.strictObject({
    kind: oneOf(['test', 'silent', 'alsa', 'pulse', 'decklink']).default('test').describe(
      'Audio capture: test = tone with a beep each second; silent = digital silence (a muted ' +
        'feed, to try the silence alarm); alsa; pulse (PulseAudio/PipeWire); decklink = audio ' +
        'embedded in the SDI/HDMI signal of source.deckLinkIndex.',
    ),
    device: text().default('default').describe(
      "ALSA device (like 'hw:1,0') or PulseAudio source name; 'default' = system default.",
    ),
  }).prefault({}).describe('Where the audio comes from.'),
  output: z.strictObject({
    width: evenWholeNumber(160, 3840).default(1280).describe(
      'Width of the uplink stream in pixels (even, 160-3840).',
    ),
    height: evenWholeNumber(90, 2160).default(720).describe(
      'Height of the uplink stream in pixels (even, 90-2160).',
    ),
    fps: wholeNumber(1, 120).default(30).describe('Frames per second of the uplink (1-120).'),
    videoKbps: positiveWholeNumber().default(2500).describe(
      'Uplink video bitrate in kbit/s (> 0; 1000-4000 is typical).',
    ),
    audioKbps: positiveWholeNumber().default(128).describe('Uplink AAC bitrate in kbit/s (> 0).'),
    preset: oneOf(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'])
      .default('superfast').describe(
        'x264 speed preset, ultrafast to medium; slower presets cost CPU on the box.',
      ),
    gopSeconds: wholeNumber(1, 10).default(2).describe(
      'Keyframe interval in seconds (1-10); match encoder.hls.segmentSeconds.',
    ),
  }).prefault({}).describe('The light encode pushed to the encoder over RTMP.'),
  recording: z.strictObject({
    dir: text().min(1, { error: 'must not be empty' }).default('./data/recordings').describe(
      'Directory of the local full-quality backup recording (segmented, survives kills).',
    ),
    segmentSeconds: wholeNumber(1, 3600).default(60).describe(
      'Length of each recording file in seconds (1-3600).',
    ),
    videoKbps: positiveWholeNumber().default(8000).describe(
      'Video bitrate of the recording in kbit/s (> 0): full quality, independent of the uplink.',
    ),
    minFreeMb: wholeNumber(0, 10485760).default(2048).describe(
      'Free disk space to keep, in MiB: below it the oldest recordings are deleted (if ' +
        'rotateOldest) and low disk is reported.',
    ),
    rotateOldest: flag().default(true).describe(
      'Delete the oldest recordings when free space falls below minFreeMb.',
    ),
    pauseBelowMb: wholeNumber(0, 10485760).default(256).describe(
      'Recording pauses (instead of filling the disk) below this much free space, in MiB.',
    ),
  }).prefault({}).describe('Local backup recording.'),
  status: listen('127.0.0.1', 8090, "the crew's local status page"),
  heartbeatIntervalSeconds: wholeNumber(1, 300).default(5).describe(
    'Seconds between heartbeats to the edge (1-300).',
  ),
}).prefault({}).describe('The venue box: capture, light encode, RTMP push, local recording.');

const watchdog = z.strictObject({
  checkIntervalSeconds: wholeNumber(1, 300).default(5).describe(
    'Seconds between health checks of the pipelines (1-300).',
  ),
  staleAfterTargetDurations: wholeNumber(1, 100).default(3).describe(
    'A playlist counts as stale after this many target durations without a new segment (1-100).',
  ),
  maxRestartsPerHour: wholeNumber(1, 1000).default(10).describe(
    'Restarts of one pipeline per hour before the watchdog stops and escalates (1-1000).',
  ),
}).prefault({}).describe('Health checks and restarts on encoder and collector boxes.');

const pusher = z.strictObject({
  ssh: z.strictObject({
    user: text().min(1, { error: 'must not be empty' }).default('root').describe(
      'SSH user on the boxes: root (key only), or a deploy user with the sudo rule of docs/push.md.',
    ),
    port: port().default(22).describe('SSH port on the boxes (1-65535).'),
    identityFile: text().default('').describe('Private key file; empty = ssh defaults / agent.'),
    knownHostsFile: text().default('').describe(
      'known_hosts file to check box host keys against; empty = ssh default.',
    ),
  }).prefault({}).describe('How the pusher reaches the boxes.'),
  parallel: wholeNumber(1, 64).default(4).describe('Boxes configured at the same time (1-64).'),
  remoteConfigDir: text().regex(/^\//, { error: 'must be an absolute path' })
    .default('/etc/roomcast').describe('Directory on the boxes the rendered configs go to.'),
}).prefault({}).describe('The config-pusher CLI (renders an event file, pushes it over SSH).');

export const configSchema = z.strictObject({
  log,
  edge,
  redisBridge,
  encoder,
  collector,
  watchdog,
  pusher,
}).describe('roomcast configuration');

export type RoomcastConfig = z.infer<typeof configSchema>;

// ---------------------------------------------------------------------------------------
// The key table: derived from the schema so env names and secrets cannot drift from it.

export type ConfigKeyKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'enum';

export interface ConfigKey {
  /** Dotted path, like `edge.listen.port`. */
  path: string;
  kind: ConfigKeyKind;
  /** `ROOMCAST_EDGE_LISTEN_PORT` for `edge.listen.port`. */
  env: string;
  secret: boolean;
  description: string;
}

type AnySchema = z.core.$ZodType;

/** Strips default/prefault/optional wrappers to the schema that validates the value. */
export function unwrapSchema(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault || current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional || current instanceof z.ZodNullable
    ) {
      current = current.unwrap() as AnySchema;
    } else {
      return current;
    }
  }
}

function kindOf(schema: AnySchema): ConfigKeyKind {
  const inner = unwrapSchema(schema);
  if (inner instanceof z.ZodObject) return 'object';
  if (inner instanceof z.ZodArray) return 'array';
  if (inner instanceof z.ZodNumber) return 'number';
  if (inner instanceof z.ZodBoolean) return 'boolean';
  if (inner instanceof z.ZodEnum) return 'enum';
  return 'string';
}

/** `edge.listen.port` → `ROOMCAST_EDGE_LISTEN_PORT` (camelCase → UPPER_SNAKE, joined by `_`). */
export function envNameFor(path: string): string {
  const parts = path.split('.').map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2'));
  return `ROOMCAST_${parts.join('_').toUpperCase()}`;
}

/**
 * A key whose value is never printed: names ending in Secret, Token, Password or Key
 * (streamKey), and webhook lists (Discord's and Slack's webhook URLs carry their token).
 */
export function isSecretKey(path: string): boolean {
  const name = path.slice(path.lastIndexOf('.') + 1).replace(/\[\d+\]$/, '');
  return /(secret|token|password|key|webhooks)$/i.test(name);
}

function collectKeys(shape: Record<string, AnySchema>, prefix: string, out: ConfigKey[]): void {
  for (const [name, schema] of Object.entries(shape)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const kind = kindOf(schema);
    out.push({
      path,
      kind,
      env: envNameFor(path),
      secret: isSecretKey(path),
      description: (schema as z.ZodType).description ?? '',
    });
    const inner = unwrapSchema(schema);
    if (inner instanceof z.ZodObject) collectKeys(inner.shape, path, out);
  }
}

/** Every section and key of the schema, parents before children. */
export const CONFIG_KEYS: readonly ConfigKey[] = (() => {
  const out: ConfigKey[] = [];
  collectKeys(configSchema.shape, '', out);
  return out;
})();

/** Paths of every key whose value must never be printed. */
export const SECRET_KEY_PATHS: readonly string[] = CONFIG_KEYS.filter((key) => key.secret).map(
  (key) => key.path,
);
