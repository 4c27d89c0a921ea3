// The one error type of the HTTP layer. Routes and services throw it; `app.onError` turns
// it into the JSON error body of core/wire. Anything else that reaches onError is a bug:
// it is logged and answered with a generic 500 that leaks nothing.
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody } from '../core/wire/contracts.ts';

export const ERROR_CODES = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'too_many_requests',
  500: 'internal',
  503: 'unavailable',
} as const;

export type ErrorStatus = keyof typeof ERROR_CODES;

export class HttpError extends Error {
  readonly status: ErrorStatus;
  readonly issues?: string[];
  /** A code for the cause, where one status has several (see ErrorBody). */
  readonly reason?: string;

  constructor(status: ErrorStatus, message: string, issues?: string[], reason?: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.issues = issues;
    this.reason = reason;
  }
}

export function errorBody(
  status: ErrorStatus,
  message: string,
  issues?: string[],
  reason?: string,
): ErrorBody {
  return {
    error: {
      code: ERROR_CODES[status],
      message,
      ...(issues?.length ? { issues } : {}),
      ...(reason ? { reason } : {}),
    },
  };
}

export function asContentfulStatus(status: ErrorStatus): ContentfulStatusCode {
  return status;
}
