// The viewers' pages (web/, built by Vite into web/dist) served by the edge itself, so one
// origin carries pages and API. Web APIs only: the runtime hands in how to read a file.
import { Hono } from 'hono';
import { roomIdSchema } from '../../core/wire/contracts.ts';
import { errorBody } from '../http_error.ts';

/** Reads a built page file by its path inside web/dist; null when there is none. */
export interface PageFiles {
  read(path: string): Promise<Uint8Array<ArrayBuffer> | null>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/**
 * The pages load only their own scripts and styles; the player fetches playlists and
 * segments from encoder nodes on other origins (which ones changes as nodes come and go),
 * so media and connections may go anywhere. Inline styles: Preact's `style` props.
 */
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  'media-src * blob:',
  'connect-src *',
  "base-uri 'none'",
  "form-action 'none'",
];

/** Which sites may frame a page: the embed player anywhere, the others only ourselves. */
const FRAMING = { embed: 'frame-ancestors *', own: "frame-ancestors 'self'" };

/** Asset names carry a content hash (Vite): they never change, so they are cached for good. */
const ASSET = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(?:js|css|svg|png|woff2)$/;

export function pageRoutes(pages: PageFiles | null) {
  const app = new Hono();
  const notBuilt = () =>
    new Response(
      JSON.stringify(
        errorBody(503, 'the viewer pages are not built on this edge (npm run build:web)'),
      ),
      { status: 503, headers: { 'content-type': 'application/json' } },
    );

  const serve = async (path: string, cache: string, framing?: string) => {
    if (!pages) return notBuilt();
    const body = await pages.read(path);
    if (!body) return path.endsWith('.html') ? notBuilt() : null;
    const type = TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';
    const headers: Record<string, string> = {
      'content-type': type,
      'cache-control': cache,
      'x-content-type-options': 'nosniff',
    };
    if (framing) headers['content-security-policy'] = [...PAGE_POLICY, framing].join('; ');
    return new Response(body, { headers });
  };
  // HTML names its hashed assets, so it is revalidated on every load.
  const page = (file: string, framing: string) => serve(file, 'no-cache', framing);

  app.get('/', async () => (await page('index.html', FRAMING.own))!);
  // One page per kind; the script reads the room from the path. Ids that cannot be a room
  // are a 404 here rather than a page that can only say so.
  for (
    const [prefix, file, framing] of [
      ['watch', 'watch.html', FRAMING.own],
      ['embed', 'embed.html', FRAMING.embed],
      // The crew page names an event; event ids follow the same slug rule.
      ['crew', 'crew.html', FRAMING.own],
    ] as const
  ) {
    app.get(`/${prefix}/:room`, async (c) => {
      if (!roomIdSchema.safeParse(c.req.param('room')).success) return c.notFound();
      return (await page(file, framing))!;
    });
  }
  // Signing up, in, resetting, the account and the admins' approvals: one page, which
  // reads its path.
  for (const path of ['/signup', '/login', '/reset', '/account', '/admin/approvals']) {
    app.get(path, async () => (await page('account.html', FRAMING.own))!);
  }
  // The control room: every room, or one event's (`/control/<event>`).
  app.get('/control', async () => (await page('control.html', FRAMING.own))!);
  app.get('/control/:event', async (c) => {
    if (!roomIdSchema.safeParse(c.req.param('event')).success) return c.notFound();
    return (await page('control.html', FRAMING.own))!;
  });
  app.get('/assets/:file', async (c) => {
    const file = c.req.param('file');
    if (!ASSET.test(file)) return c.notFound();
    return (await serve(`assets/${file}`, 'public, max-age=31536000, immutable')) ??
      c.notFound();
  });
  return app;
}
