// The CLI's way to the edge's operator API: which edge, which token, and errors turned
// into a sentence. Tokens come from the environment or files, never from argv (any local
// user can read a process's argv).
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RoomcastConfig } from '../core/config/schema.ts';
import { ADMIN_TOKEN_FILE } from '../edge/start.ts';
import { CliError } from './command.ts';

export interface EdgeTarget {
  url: string;
  token: string | null;
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'roomcast', 'credentials.json');
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/** Saved logins: edge URL → token, in a file only the user can read. */
export async function readCredentials(
  env: NodeJS.ProcessEnv = process.env,
): Promise<Record<string, string>> {
  const text = await readOptional(credentialsPath(env));
  if (!text) return {};
  try {
    const parsed = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? parsed as Record<string, string> : {};
  } catch {
    throw new CliError(
      `${credentialsPath(env)} is not valid JSON; delete it and run roomcast login again`,
    );
  }
}

/**
 * The edge to talk to and the token to use: `--edge`, else ROOMCAST_EDGE_URL, else the
 * config's edge.publicUrl; token from ROOMCAST_TOKEN, else a saved login for that edge,
 * else — for the local edge — the admin token the edge wrote on its first start.
 */
export async function resolveEdgeTarget(
  config: RoomcastConfig,
  flagUrl: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EdgeTarget> {
  const url = (flagUrl || env.ROOMCAST_EDGE_URL || config.edge.publicUrl).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(url)) {
    throw new CliError(`edge URL '${url}' must start with http:// or https://`, 2);
  }
  if (env.ROOMCAST_TOKEN) return { url, token: env.ROOMCAST_TOKEN };
  const saved = (await readCredentials(env))[url];
  if (saved) return { url, token: saved };
  if (url === config.edge.publicUrl.replace(/\/+$/, '')) {
    const local = (await readOptional(join(config.edge.dataDir, ADMIN_TOKEN_FILE)))?.trim();
    if (local) return { url, token: local };
  }
  return { url, token: null };
}

export interface EdgeClient {
  url: string;
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export function createEdgeClient(target: EdgeTarget, fetchImpl: typeof fetch = fetch): EdgeClient {
  return {
    url: target.url,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      let response: Response;
      try {
        response = await fetchImpl(`${target.url}/api/v1${path}`, {
          method,
          headers: {
            ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code ??
          (error as Error).message;
        throw new CliError(
          `cannot reach the edge at ${target.url} (${cause}); is it running? (roomcast edge)`,
        );
      }
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // fall through: a non-JSON answer is reported below
      }
      if (!response.ok) {
        const message = (parsed as { error?: { message?: string } } | null)?.error?.message ??
          `HTTP ${response.status}`;
        const hint = response.status === 401 && !target.token
          ? ' (no token: run roomcast login, or set ROOMCAST_TOKEN)'
          : '';
        throw new CliError(`${message}${hint}`);
      }
      if (parsed === null && text) {
        throw new CliError(`the edge at ${target.url} answered something that is not JSON`);
      }
      return parsed as T;
    },
  };
}
