// The only part of the config loader that touches the host: reads the file and the process
// environment, then hands both to the pure resolveConfig. Node and Deno both provide
// node:fs/promises and node:process, so processes on either runtime call this.

import { readFile } from 'node:fs/promises';
import process from 'node:process';
import { ConfigError, parseConfigText, resolveConfig } from './load.ts';
import type { RoomcastConfig } from './schema.ts';

export { ConfigError, NON_CONFIG_ENV, parseConfigText, resolveConfig } from './load.ts';
export type { RoomcastConfig } from './schema.ts';

export interface LoadOptions {
  /** Config file (.yaml, .yml or .json); defaults to env.ROOMCAST_CONFIG, else no file. */
  file?: string;
  /** Environment to read ROOMCAST_* from; defaults to process.env. */
  env?: Record<string, string | undefined>;
}

/** Loads defaults → file → ROOMCAST_* environment and validates; throws ConfigError. */
export async function loadConfig(options: LoadOptions = {}): Promise<RoomcastConfig> {
  const env = options.env ?? process.env;
  const file = options.file ?? (env.ROOMCAST_CONFIG || undefined);
  if (file === undefined) return resolveConfig({ env });
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = code === 'ENOENT'
      ? 'does not exist'
      : code === 'EACCES'
      ? 'is not readable (permission denied)'
      : `cannot be read (${String(code ?? error)})`;
    const named = options.file === undefined ? ' [from ROOMCAST_CONFIG]' : '';
    throw new ConfigError([`config file ${file} ${why}${named}`]);
  }
  return resolveConfig({ document: parseConfigText(text, file), source: file, env });
}
