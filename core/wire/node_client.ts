// How a box (encoder agent, collector) talks to the edge: every request signed with the
// node secret, every answer validated against its wire shape before it is acted on.
import type { z } from 'zod';
import { errorBodySchema } from './contracts.ts';
import { signRequest } from './signing.ts';

export interface NodeClientOptions {
  edgeUrl: string;
  nodeId: string;
  nodeSecret: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The edge answered, but not with success; `status` tells retryable (5xx) from final. */
export class EdgeRequestError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'EdgeRequestError';
    this.status = status;
  }
}

export interface NodeClient {
  post<S extends z.ZodType>(path: string, body: unknown, responseSchema: S): Promise<z.infer<S>>;
}

export function createNodeClient(options: NodeClientOptions): NodeClient {
  const fetchImpl = options.fetch ?? fetch;
  const base = options.edgeUrl.replace(/\/+$/, '');
  return {
    async post(path, body, responseSchema) {
      const text = JSON.stringify(body);
      const url = new URL(`${base}/api/v1${path}`);
      const headers = await signRequest(options.nodeId, options.nodeSecret, {
        method: 'POST',
        pathWithQuery: url.pathname + url.search,
        body: text,
      });
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: text,
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      const answer = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer);
      } catch {
        throw new EdgeRequestError(
          response.status,
          `edge answered ${response.status} with a body that is not JSON`,
        );
      }
      if (!response.ok) {
        const error = errorBodySchema.safeParse(parsed);
        throw new EdgeRequestError(
          response.status,
          error.success ? error.data.error.message : `edge answered ${response.status}`,
        );
      }
      const result = responseSchema.safeParse(parsed);
      if (!result.success) {
        throw new EdgeRequestError(
          502,
          `edge answer to ${path} does not match the wire contract: ${
            result.error.issues[0]?.message
          }`,
        );
      }
      return result.data;
    },
  };
}
