// The collector's local status page for the AV crew: the page itself, its script, a JSON
// snapshot, a live Server-Sent Events feed, the preview JPEG and Prometheus metrics. Built
// from Hono and Web APIs only (route tests call `app.request()`); `startStatusServer` is the
// Node adapter.
// It runs on the venue LAN next to the pipeline, so nothing a request carries may take it
// down: every answer that is not a success is the JSON error body of core/wire, and a 500
// only ever means a bug of ours.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { createLogger, type Logger } from '../../core/log.ts';
import { EXPOSITION_CONTENT_TYPE } from '../../core/metrics/registry.ts';
import type { ErrorBody } from '../../core/wire/contracts.ts';
import { createCollectorMetrics } from './metrics.ts';
import type { CollectorStatus } from './status.ts';
import { statusPageHtml } from './status_page/bundle.ts';

export interface StatusAppDeps {
  /** The status right now. */
  status(): CollectorStatus;
  /** The newest preview JPEG, or null before the first one. */
  preview(): Uint8Array | null;
  /** The page's bundled script (see status_page/bundle.ts). */
  script(): Promise<string>;
  /** Called once per SSE client; the returned function ends that subscription. */
  subscribe(listener: (s: CollectorStatus) => void): () => void;
  /** Where bugs (the 500s) are logged; a `[collector-status]` console logger by default. */
  log?: Logger;
}

export interface StatusAppOptions {
  /** Least time between two status events to one client, ms (200: at most 5 a second). */
  minIntervalMs?: number;
  /** An SSE comment after this long without events, ms, so idle proxies keep the stream. */
  keepAliveMs?: number;
}

const ERROR_CODES = {
  404: 'not_found',
  405: 'method_not_allowed',
  500: 'internal',
} as const;
type ErrorStatus = keyof typeof ERROR_CODES;

function errorBody(status: ErrorStatus, message: string): ErrorBody {
  return { error: { code: ERROR_CODES[status], message } };
}

// Only our own origin, for everything: the page loads nothing from elsewhere (the venue
// network may have no internet, and the box should not be a springboard). Inline styles
// are allowed because the shell carries its CSS inline and Preact sets meter positions.
const SECURITY_HEADERS: [string, string][] = [
  [
    'content-security-policy',
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
    "form-action 'none'; frame-ancestors 'none'",
  ],
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
];

const ROUTES = [
  '/',
  '/status.js',
  '/api/status',
  '/api/events',
  '/preview.jpg',
  '/healthz',
  '/metrics',
];

/** A path fit for an error message: a 10 kB path should not come back as a 10 kB body. */
function shortPath(url: string): string {
  const path = new URL(url).pathname;
  return path.length > 120 ? `${path.slice(0, 120)}…` : path;
}

export function createStatusApp(deps: StatusAppDeps, options: StatusAppOptions = {}): Hono {
  const log = deps.log ?? createLogger({ component: 'collector-status' });
  const minIntervalMs = options.minIntervalMs ?? 200;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const app = new Hono();

  // No route reads a body or parameters, so nothing a client sends can throw: whatever
  // reaches here is our bug (or the daemon's), logged and answered without details.
  app.onError((error, c) => {
    log.error('status page request failed', {
      method: c.req.method,
      path: shortPath(c.req.url),
      error: String(error),
    });
    return c.json(errorBody(500, 'internal error; it has been logged'), 500);
  });

  app.notFound((c) => c.json(errorBody(404, `no such page: ${shortPath(c.req.url)}`), 404));

  app.use(async (c, next) => {
    await next();
    for (const [name, value] of SECURITY_HEADERS) c.res.headers.set(name, value);
  });

  app.get(
    '/',
    (c) => c.html(statusPageHtml(deps.status().room), 200, { 'cache-control': 'no-cache' }),
  );

  app.get('/status.js', async (c) =>
    c.body(await deps.script(), 200, {
      'content-type': 'application/javascript; charset=utf-8',
      'cache-control': 'no-cache',
    }));

  app.get('/api/status', (c) => c.json(deps.status(), 200, { 'cache-control': 'no-store' }));

  app.get('/api/events', (c) => {
    // Hono answers HEAD with the GET handler and drops the body; a stream started here
    // would never be read nor cancelled, leaking its subscription. Headers only.
    if (c.req.method === 'HEAD') {
      return c.body(null, 200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
      });
    }
    return streamSSE(c, async (stream) => {
      try {
        await pumpStatus(stream, c.req.raw.signal, deps, minIntervalMs, keepAliveMs);
      } catch (error) {
        log.error('status event stream failed', { error: String(error) });
      }
    });
  });

  app.get('/preview.jpg', (c) => {
    const jpeg = deps.preview();
    if (!jpeg) {
      return c.json(errorBody(404, 'no preview frame yet'), 404, { 'cache-control': 'no-store' });
    }
    // A copy: the daemon replaces its frame buffer while the answer is still being sent.
    return c.body(new Uint8Array(jpeg), 200, {
      'content-type': 'image/jpeg',
      'cache-control': 'no-store',
    });
  });

  app.get('/healthz', (c) => c.json({ ok: true }));

  // Unauthenticated like the page itself: the same numbers, on the venue LAN.
  const metrics = createCollectorMetrics(deps.status);
  app.get('/metrics', async (c) =>
    c.body(await metrics.expose(), 200, {
      'content-type': EXPOSITION_CONTENT_TYPE,
      'cache-control': 'no-store',
    }));

  for (const path of ROUTES) {
    app.all(path, (c) =>
      c.json(
        errorBody(405, `${c.req.method} is not allowed on ${path}; use GET`),
        405,
        { allow: 'GET, HEAD' },
      ));
  }

  return app;
}

/** Wakes a waiting loop early; `wait` otherwise resolves after `ms`. One waiter at a time. */
function createWaker() {
  let wake: (() => void) | null = null;
  return {
    wait(ms: number): Promise<void> {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          wake = null;
          resolve();
        }, ms);
        wake = () => {
          clearTimeout(timer);
          wake = null;
          resolve();
        };
      });
    },
    fire() {
      wake?.();
    },
  };
}

/**
 * One SSE client: the current status at once, then the newest status at most every
 * `minIntervalMs`. Statuses that arrive in between replace each other (the page wants the
 * latest, not a backlog), so a slow client costs one pending snapshot, never a queue.
 */
async function pumpStatus(
  stream: SSEStreamingApi,
  requestSignal: AbortSignal,
  deps: StatusAppDeps,
  minIntervalMs: number,
  keepAliveMs: number,
): Promise<void> {
  let latest: CollectorStatus | null = null;
  let gone = false;
  const arrival = createWaker(); // a status arrived, or the client went
  const departure = createWaker(); // the client went
  const unsubscribe = deps.subscribe((s) => {
    latest = s;
    arrival.fire();
  });
  let unsubscribed = false;
  const leave = () => {
    gone = true;
    if (!unsubscribed) {
      unsubscribed = true;
      unsubscribe();
    }
    arrival.fire();
    departure.fire();
  };
  // The response stream is cancelled when the reader goes (Node: socket closed); the
  // request signal aborts when the client hangs up. Either one ends the subscription.
  stream.onAbort(leave);
  if (requestSignal.aborted) leave();
  else requestSignal.addEventListener('abort', leave, { once: true });

  try {
    // `retry`: come back after 2 s (not the browser's default ~3 s) when the daemon restarts.
    await stream.writeSSE({ event: 'status', data: JSON.stringify(deps.status()), retry: 2_000 });
    // Writes resolve once the client took the chunk, so intervals count between deliveries.
    let sentAt = Date.now();
    let wroteAt = sentAt;
    while (!gone) {
      const next: CollectorStatus | null = latest;
      if (next === null) {
        const idle = wroteAt + keepAliveMs - Date.now();
        if (idle > 0) {
          await arrival.wait(idle);
        } else {
          await stream.write(': keep-alive\n\n');
          wroteAt = Date.now();
        }
        continue;
      }
      const hold = sentAt + minIntervalMs - Date.now();
      if (hold > 0) {
        await departure.wait(hold); // newer statuses may replace `latest` meanwhile
        continue;
      }
      latest = null;
      await stream.writeSSE({ event: 'status', data: JSON.stringify(next) });
      sentAt = wroteAt = Date.now();
    }
  } finally {
    leave();
  }
}

export interface StatusServerOptions {
  host: string;
  port: number;
  app: { fetch(request: Request): Response | Promise<Response> };
}

export interface RunningStatusServer {
  /** `http://host:port` as bound (port 0 becomes the port the OS picked). */
  url: string;
  /** Stops listening and drops open connections (SSE clients would hold it open). */
  close(): Promise<void>;
}

/** Serves `app` on Node; resolves once listening, rejects naming host:port if it cannot. */
export function startStatusServer(options: StatusServerOptions): Promise<RunningStatusServer> {
  const { host, port, app } = options;
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: (request) => app.fetch(request), hostname: host, port },
      (info) => {
        server.off('error', failed);
        const shownHost = host.includes(':') ? `[${host}]` : host;
        let closing: Promise<void> | undefined;
        resolve({
          url: `http://${shownHost}:${info.port}`,
          close: () =>
            closing ??= new Promise<void>((done) => {
              server.close(() => done());
              if ('closeAllConnections' in server) server.closeAllConnections();
            }),
        });
      },
    );
    const failed = (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE'
        ? 'the port is already in use (another collector or program?)'
        : error.message;
      reject(new Error(`status page cannot listen on ${host}:${port}: ${why}`));
    };
    server.once('error', failed);
  });
}
