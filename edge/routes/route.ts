// One way to declare a JSON route: the same zod schemas validate the request and describe
// it in the OpenAPI document, and every route documents the error body it can answer with.
import { createRoute, OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import { z } from 'zod';
import { errorBodySchema } from '../../core/wire/contracts.ts';
import { slugSchema } from '../../core/wire/contracts.ts';
import type { EdgeEnv } from '../env.ts';
import { HttpError } from '../http_error.ts';

export type Security = 'operator' | 'node' | 'public';

export const SECURITY = {
  operator: [{ bearerAuth: [] }],
  node: [{ nodeSignature: [] }],
  public: [],
} as const satisfies Record<string, RouteConfig['security']>;

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorBodySchema } },
});

/** A required JSON request body validated by `schema`. */
export function jsonBody<S extends z.ZodType>(schema: S) {
  return { required: true, content: { 'application/json': { schema } } } as const;
}

/** What any route may answer besides success, each with a message naming the problem. */
export const ERROR_RESPONSES = {
  400: errorResponse('the request is malformed; the message names what is wrong'),
  401: errorResponse('not authenticated (operator token or node signature)'),
  403: errorResponse('authenticated but not allowed'),
  404: errorResponse('not found'),
  409: errorResponse('conflicts with the current state'),
  413: errorResponse('body too large'),
  415: errorResponse('body is not JSON'),
  429: errorResponse('rate limited'),
};

/** The success response and every error response a route can give. */
export function responses<S extends z.ZodType, Status extends 200 | 201 | 202>(
  schema: S,
  status: Status,
) {
  return {
    [status]: { description: 'success', content: { 'application/json': { schema } } },
    ...ERROR_RESPONSES,
    // Errors are answered by the error handler, not by the handlers: only success is typed.
  } as unknown as {
    [K in Status]: { description: string; content: { 'application/json': { schema: S } } };
  };
}

export { createRoute };

export const idParams = z.object({ id: slugSchema });
export const okSchema = z.object({ ok: z.literal(true) });

const TARGET_NAMES: Record<string, string> = {
  json: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
};

/** Names each invalid field: `'ladder[1].videoKbps': Too small: expected number to be >0`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.reduce<string>(
      (
        out,
        part,
      ) => (typeof part === 'number'
        ? `${out}[${part}]`
        : out
        ? `${out}.${String(part)}`
        : String(part)),
      '',
    );
    const unknown = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    return `${path ? `'${path}'` : '(whole value)'}: ${issue.message}${unknown}`;
  });
}

/** A router whose validation failures become our 400 error body, naming each bad field. */
export function newRouter() {
  return new OpenAPIHono<EdgeEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = describeIssues(result.error);
        throw new HttpError(
          400,
          `invalid ${TARGET_NAMES[result.target] ?? result.target}: ${issues.join('; ')}`,
          issues,
        );
      }
    },
  });
}
