// The viewers' pages (web/, built by Vite into web/dist) served by the edge itself, so one
// origin carries pages and API. Web APIs only: the runtime hands in how to read a file.
import { Hono } from 'hono';
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

  const serve = async (path: string, cache: string) => {
    if (!pages) return notBuilt();
    const body = await pages.read(path);
    if (!body) return path === 'index.html' ? notBuilt() : null;
    const type = TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';
    return new Response(body, {
      headers: {
        'content-type': type,
        'cache-control': cache,
        'x-content-type-options': 'nosniff',
      },
    });
  };

  app.get('/', async (c) => (await serve('index.html', 'no-cache')) ?? c.notFound());
  app.get('/assets/:file', async (c) => {
    const file = c.req.param('file');
    if (!ASSET.test(file)) return c.notFound();
    return (await serve(`assets/${file}`, 'public, max-age=31536000, immutable')) ??
      c.notFound();
  });
  return app;
}
