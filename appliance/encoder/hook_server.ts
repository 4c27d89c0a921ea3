// The loopback HTTP endpoint nginx-rtmp's notify hooks call. The URL carries a per-run
// random token, so another local user cannot fake a publish-done or an update. Every
// request gets an answer (a malformed form is a 400 naming the field, an internal failure
// a 500 for that hook only); nothing a request carries can crash the agent. nginx-rtmp
// reads only the status (and Location for a publish rename), so bodies are short text.
// Beside the hooks, `GET /status` answers the agent's own view for the box's watchdog: no
// token, since it holds nothing secret (room ids, pids, paths) and is loopback only; that
// it answers at all is the watchdog's proof the agent's event loop is alive. `GET /metrics`
// likewise (Prometheus text, nothing secret). Under the token prefix too: the low-latency
// playlists nginx passes on (`ll/…`, answered by ll_answer.ts).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Logger } from '../../core/log.ts';
import { EXPOSITION_CONTENT_TYPE } from '../../core/metrics/registry.ts';
import { type Hook, HOOK_NAMES, type HookName, parseHookForm } from './hook_form.ts';
import type { LlAnswer } from './ll/ll_answer.ts';

export interface HookAnswer {
  status: number;
  /** For a 3xx publish answer: the new stream name (the public room id). */
  location?: string;
  /** Short reason for nginx's side; never contains a key. */
  text?: string;
}

export interface HookServerOptions {
  port: number;
  token: string;
  log: Logger;
  handle(hook: Hook): Promise<HookAnswer>;
  /** The body of `GET /status` (JSON). */
  status(): unknown;
  /** The body of `GET /metrics` (Prometheus text); absent: 404. */
  metrics?(): Promise<string>;
  /**
   * `GET <base>/ll/<room>/<rendition>/ll.m3u8?…`: a low-latency playlist, which nginx
   * passes on after checking the viewer's token (the query still carries it: not read).
   */
  lowLatency?(room: string, rendition: string, query: URLSearchParams): Promise<LlAnswer>;
}

export interface HookServer {
  /** `http://127.0.0.1:<port>/hooks/<token>`: append `/publish`, `/update`, … */
  baseUrl: string;
  close(): Promise<void>;
}

const MAX_FORM_BYTES = 16 * 1024;
/** `ll/<room>/<rendition>/ll.m3u8`, with the names nginx's location allows. */
const LL_PATH = /^ll\/([a-z0-9][a-z0-9-]{0,62})\/([a-z0-9][a-z0-9_-]{0,31})\/ll\.m3u8$/;

function readBody(request: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        resolve(null);
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startHookServer(options: HookServerOptions): Promise<HookServer> {
  const { log } = options;
  const prefix = `/hooks/${options.token}/`;
  const server: Server = createServer(async (request, response) => {
    const answer = (status: number, text: string, location?: string) => {
      if (response.headersSent) return;
      response.writeHead(status, {
        'content-type': 'text/plain; charset=utf-8',
        ...(location ? { location } : {}),
      });
      response.end(text);
    };
    try {
      const path = (request.url ?? '').split('?')[0]!;
      if (path === '/status' && request.method === 'GET') {
        response.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-store',
        });
        return response.end(JSON.stringify(options.status()));
      }
      if (path === '/metrics' && request.method === 'GET' && options.metrics) {
        const text = await options.metrics();
        response.writeHead(200, {
          'content-type': EXPOSITION_CONTENT_TYPE,
          'cache-control': 'no-store',
        });
        return response.end(text);
      }
      const playlist = LL_PATH.exec(path.startsWith(prefix) ? path.slice(prefix.length) : '');
      if (playlist && options.lowLatency) {
        if (request.method !== 'GET') return answer(405, 'GET only');
        const query = new URLSearchParams((request.url ?? '').split('?')[1] ?? '');
        const result = await options.lowLatency(playlist[1]!, playlist[2]!, query);
        response.writeHead(result.status, {
          'content-type': result.contentType,
          'cache-control': 'no-cache',
        });
        return response.end(result.body);
      }
      const hook = path.startsWith(prefix) ? path.slice(prefix.length) as HookName : null;
      if (!hook || !HOOK_NAMES.includes(hook)) return answer(404, 'not found');
      if (request.method !== 'POST') return answer(405, 'POST only');
      const body = await readBody(request);
      if (body === null) return answer(413, `form larger than ${MAX_FORM_BYTES} bytes`);
      const parsed = parseHookForm(hook, body);
      if (!parsed.ok) {
        log.warn(`malformed ${hook} hook from nginx refused`, { reason: parsed.reason });
        return answer(400, parsed.reason);
      }
      const result = await options.handle(parsed.hook);
      answer(result.status, result.text ?? '', result.location);
    } catch (error) {
      log.error('hook handling failed', { reason: (error as Error).message });
      answer(500, 'agent error');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: nginx runs on this machine and nothing else may call the hooks.
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    baseUrl: `http://127.0.0.1:${port}${prefix.slice(0, -1)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
