// The edge: one Hono app built from Web-standard APIs only, so the same code runs on Node
// (self-hosted, edge/main_node.ts) and on Deno (edge/main_deno.ts). Every answer that is
// not a success is the JSON error body of core/wire; bad input is a 4xx naming the
// problem, never a 500.
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { EdgeDeps } from './deps.ts';
import type { EdgeEnv } from './env.ts';
import {
  asContentfulStatus,
  ERROR_CODES,
  errorBody,
  type ErrorStatus,
  HttpError,
} from './http_error.ts';
import { nodeRoutes } from './routes/nodes.ts';
import { operatorRoutes } from './routes/operator.ts';
import { accountRoutes } from './routes/account.ts';
import { controlRoutes } from './routes/control.ts';
import { type PageFiles, pageRoutes } from './routes/pages.ts';
import { publicRoutes } from './routes/public.ts';
import { accountsAuthRoutes } from './routes/accounts_auth.ts';
import { chatRoutes, type ChatRuntime } from './routes/chat.ts';
import { localChatBus } from './chat/bus.ts';
import { type ChatService, createChatService } from './chat/service.ts';
import { statusClass } from './metrics/edge_metrics.ts';
import { metricsRoutes } from './routes/metrics.ts';

export const API_BASE = '/api/v1';

function isErrorStatus(status: number): status is ErrorStatus {
  return status in ERROR_CODES;
}

export interface AppOptions {
  /** The chat behind the chat routes; default: one for this process only. */
  chat?: ChatService;
  /** The runtime's WebSocket upgrade and peer address; default: no WebSocket (tests). */
  runtime?: ChatRuntime;
}

const NO_RUNTIME: ChatRuntime = { upgradeWebSocket: null, remoteAddress: () => '' };

export function createApp(
  deps: EdgeDeps,
  pages: PageFiles | null = null,
  options: AppOptions = {},
) {
  const app = new OpenAPIHono<EdgeEnv>();
  const chat = options.chat ?? createChatService(deps, localChatBus());

  app.onError((error, c) => {
    if (error instanceof HttpError) {
      return c.json(
        errorBody(error.status, error.message, error.issues, error.reason),
        asContentfulStatus(error.status),
      );
    }
    if (error instanceof HTTPException && error.status < 500) {
      // Hono's own 4xx (malformed JSON, body limit): keep its status, our body shape.
      const status = isErrorStatus(error.status) ? error.status : 400;
      const message = error.message || 'bad request';
      return c.json(errorBody(status, message), asContentfulStatus(status));
    }
    deps.log.error('unhandled error', {
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      error: String(error),
    });
    return c.json(errorBody(500, 'internal error; it has been logged'), 500);
  });

  app.notFound((c) =>
    c.json(errorBody(404, `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404)
  );

  // First of all middleware, so errors answered by onError are counted by their status too.
  app.use(async (c, next) => {
    await next();
    deps.metrics.httpRequests.inc({ status_class: statusClass(c.res.status) });
  });

  if (deps.settings.corsOrigins.length) {
    app.use(
      `${API_BASE}/*`,
      cors({
        origin: deps.settings.corsOrigins,
        allowHeaders: ['Content-Type', 'Authorization'],
        maxAge: 600,
      }),
    );
  }

  app.use(
    `${API_BASE}/*`,
    bodyLimit({
      maxSize: deps.settings.maxBodyBytes,
      onError: () => {
        throw new HttpError(413, `body is larger than ${deps.settings.maxBodyBytes} bytes`);
      },
    }),
  );

  // Every API body is JSON; saying so is required, so a form post or a stray upload gets a
  // clear 415 instead of a confusing validation error.
  app.use(`${API_BASE}/*`, async (c, next) => {
    if (['POST', 'PUT', 'PATCH'].includes(c.req.method)) {
      const type = c.req.header('content-type') ?? '';
      const hasBody = c.req.header('content-length') !== '0' && c.req.raw.body !== null;
      if (hasBody && !/^application\/json\s*(;|$)/i.test(type)) {
        throw new HttpError(
          415,
          `body must be JSON (Content-Type: application/json), got ${
            type ? `'${type.slice(0, 60)}'` : 'no Content-Type'
          }`,
        );
      }
    }
    await next();
  });

  app.get(`${API_BASE}/health`, (c) => c.json({ ok: true, version: deps.softwareVersion }));

  app.route(API_BASE, operatorRoutes(deps));
  app.route(API_BASE, accountRoutes(deps));
  app.route(API_BASE, controlRoutes(deps));
  app.route(API_BASE, nodeRoutes(deps));
  app.route(API_BASE, publicRoutes(deps));
  app.route(API_BASE, chatRoutes(deps, chat, options.runtime ?? NO_RUNTIME));
  app.route('/', accountsAuthRoutes(deps, (options.runtime ?? NO_RUNTIME).remoteAddress));
  app.route('/', metricsRoutes(deps));
  app.route('/', pageRoutes(pages));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'operator token from `roomcast login` or POST /api/v1/auth/login',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'nodeSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'x-roomcast-signature',
    description:
      'HMAC-SHA256 over method, path, timestamp, nonce and body hash with the node secret; ' +
      'with x-roomcast-node, x-roomcast-timestamp and x-roomcast-nonce',
  });
  app.doc31(`${API_BASE}/openapi.json`, {
    openapi: '3.1.0',
    info: {
      title: 'roomcast edge API',
      version: deps.softwareVersion,
      description:
        'Operator, public and node APIs of the roomcast edge. Errors are `{ error: { code, message, issues? } }`.',
    },
  });

  return app;
}

export type EdgeApp = ReturnType<typeof createApp>;
