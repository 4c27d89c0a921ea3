// Resolves a roomcast config: defaults → file document → ROOMCAST_* environment → validate.
// Pure and runtime-neutral (no node:*, no Deno.*): reading the file is load_file.ts's job,
// so this runs unchanged on Deno Deploy, in Node and in tests.
//
// Every problem is collected (not only the first) and phrased for an operator: the full
// key path in quotes, what is allowed, what was given and where it came from. Values of
// secret keys are never printed.

import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import {
  CONFIG_KEYS,
  type ConfigKey,
  configSchema,
  isSecretKey,
  type RoomcastConfig,
  SECRET_KEY_PATHS,
  unwrapSchema,
} from './schema.ts';

/** ROOMCAST_* variables that are read by the processes directly and are not config keys. */
export const NON_CONFIG_ENV: readonly string[] = [
  'ROOMCAST_CONFIG',
  'ROOMCAST_TOKEN',
  'ROOMCAST_EDGE_URL',
  'ROOMCAST_BOOTSTRAP_ADMIN_EMAIL',
  'ROOMCAST_BOOTSTRAP_ADMIN_PASSWORD',
];

export class ConfigError extends Error {
  issues: string[];

  constructor(issues: string[]) {
    super(issues.join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export interface ResolveInput {
  /** Parsed config file (from parseConfigText); undefined or null = no file. */
  document?: unknown;
  /** Where the document came from, for messages; usually the file name. */
  source?: string;
  /** Environment to read ROOMCAST_* variables from; nothing is read when omitted. */
  env?: Record<string, string | undefined>;
}

type Doc = Record<string, unknown>;

const ENV_KEYS = new Map<string, ConfigKey>(CONFIG_KEYS.map((key) => [key.env, key]));
const KEYS_BY_PATH = new Map<string, ConfigKey>(CONFIG_KEYS.map((key) => [key.path, key]));

export function resolveConfig(input: ResolveInput): RoomcastConfig {
  const issues: string[] = [];
  // Which input set each value: path → file name or env variable. Only explicit values
  // are recorded, so a message never blames the file for a default.
  const origins = new Map<string, string>();
  const merged: Doc = {};
  const source = input.source ?? 'config document';

  const document = input.document ?? {};
  if (isPlainObject(document)) {
    mergeInto(merged, [], document, source, origins);
  } else {
    issues.push(
      `the config must be a mapping of sections like 'edge:' and 'encoder:' (got ${
        kindOfValue(document)
      }) [from ${source}]`,
    );
  }

  const settings: { key: ConfigKey; value: unknown }[] = [];
  for (const [name, raw] of Object.entries(input.env ?? {})) {
    if (!name.startsWith('ROOMCAST_') || raw === undefined || NON_CONFIG_ENV.includes(name)) {
      continue;
    }
    const key = ENV_KEYS.get(name);
    if (key === undefined) {
      issues.push(
        `'${name}' is not a known setting${suggestEnv(name)} [from environment]`,
      );
      continue;
    }
    const coerced = coerceEnv(key, raw);
    if ('problem' in coerced) issues.push(coerced.problem);
    else settings.push({ key, value: coerced.value });
  }
  // Sections first, so ROOMCAST_EDGE_LISTEN_PORT wins over a port inside ROOMCAST_EDGE_LISTEN.
  settings.sort((a, b) => a.key.path.split('.').length - b.key.path.split('.').length);
  for (const { key, value } of settings) {
    mergeInto(merged, key.path.split('.'), value, key.env, origins);
  }

  const result = configSchema.safeParse(merged);
  if (result.success && issues.length === 0) return result.data;
  if (!result.success) {
    for (const issue of result.error.issues) issues.push(...formatIssue(issue, merged, origins));
  }
  throw new ConfigError([...new Set(issues)]);
}

// ---------------------------------------------------------------------------------------
// Parsing the file text

/** Parses YAML (.yaml, .yml) or JSON (.json) text; syntax errors name the file and line. */
export function parseConfigText(text: string, fileName: string): unknown {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.json')) return parseJson(text, fileName);
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return parseYaml(text, fileName);
  throw new ConfigError([
    `${fileName}: unsupported config file type; use a .yaml, .yml or .json file`,
  ]);
}

function parseYaml(text: string, fileName: string): unknown {
  const lineCounter = new LineCounter();
  // prettyErrors off: the pretty form quotes the offending source line, which may hold a
  // secret. The bare messages name syntax, not values.
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false });
  } catch (error) {
    // The yaml package's Node build looks up LOG_TOKENS and LOG_STREAM (debug switches)
    // while parsing; Deno without env permission refuses that lookup.
    const name = error instanceof Error ? error.name : '';
    if (name !== 'NotCapable' && name !== 'PermissionDenied') throw error;
    return throwConfigError(
      `${fileName}: cannot parse YAML without env access: the yaml package reads LOG_TOKENS ` +
        'and LOG_STREAM, so run Deno with --allow-env=LOG_TOKENS,LOG_STREAM or use a .json file',
    );
  }
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return `${fileName}:${line}:${col}: YAML syntax error: ${error.message}`;
    }));
  }
  return doc.toJS();
}

function parseJson(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text (and may not give a position), so locate the
    // error ourselves and show at most a punctuation character.
    const offset = jsonErrorOffset(text);
    const { line, col } = lineAndColumn(text, offset);
    const char = text[offset];
    const what = char === undefined
      ? 'unexpected end of input'
      : /[{}[\],:"']/.test(char)
      ? `unexpected '${char}'`
      : 'unexpected value';
    return throwConfigError(`${fileName}:${line}:${col}: JSON syntax error: ${what}`);
  }
}

function throwConfigError(issue: string): never {
  throw new ConfigError([issue]);
}

function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

/** Offset of the first JSON syntax error in text (text is known not to parse). */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const stop = { at: 0 };
  const fail = (): never => {
    stop.at = i;
    throw stop;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const string = () => {
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') fail();
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        i++;
        if (text[i] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 5;
        else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i] as string)) i++;
        else fail();
      } else {
        i++;
      }
    }
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          space();
          if (text[i] !== '"') fail();
          string();
          space();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === close) {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '"') return string();
    const literal = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(
      text.slice(i),
    );
    if (literal === null) fail();
    else i += literal[0].length;
  };
  try {
    value();
    space();
    if (i < text.length) fail();
  } catch (error) {
    if (error !== stop) throw error;
  }
  return stop.at;
}

// ---------------------------------------------------------------------------------------
// Merging and the environment

function isPlainObject(value: unknown): value is Doc {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

// defineProperty, not assignment: a key named `__proto__` in a file must stay an ordinary
// (and therefore unknown) key instead of replacing the prototype.
function setOwn(target: Doc, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * Deep-merges value into root at path: mappings merge key by key, anything else replaces
 * what was there. Records which input set each replaced value.
 */
function mergeInto(
  root: Doc,
  path: readonly string[],
  value: unknown,
  origin: string,
  origins: Map<string, string>,
): void {
  // `edge:` with every child commented out is null in YAML; for a section that means "nothing
  // set", not a mistake.
  if (value === null && KEYS_BY_PATH.get(path.join('.'))?.kind === 'object') return;
  let node = root;
  for (const segment of path.slice(0, -1)) {
    const existing = ownValue(node, segment);
    if (existing === undefined) {
      const created: Doc = {};
      setOwn(node, segment, created);
      node = created;
    } else if (isPlainObject(existing)) {
      node = existing;
    } else {
      // A non-mapping is in the way (like `edge: 5` in the file): leave it, so validation
      // reports the file's mistake rather than hiding it under the env value.
      return;
    }
  }
  const last = path.at(-1);
  const existing = last === undefined ? root : ownValue(node, last);
  if (isPlainObject(value) && (existing === undefined || isPlainObject(existing))) {
    if (last !== undefined && existing === undefined) setOwn(node, last, {});
    for (const [key, child] of Object.entries(value)) {
      mergeInto(root, [...path, key], child, origin, origins);
    }
    return;
  }
  if (last === undefined) return;
  setOwn(node, last, isPlainObject(value) ? mergeCopy({}, value) : value);
  const here = pathText(path);
  for (const known of [...origins.keys()]) {
    if (isBelow(known, here)) origins.delete(known);
  }
  origins.set(here, origin);
}

function ownValue(node: Doc, key: string): unknown {
  return Object.hasOwn(node, key) ? node[key] : undefined;
}

function mergeCopy(target: Doc, value: Doc): Doc {
  for (const [key, child] of Object.entries(value)) {
    setOwn(target, key, isPlainObject(child) ? mergeCopy({}, child) : child);
  }
  return target;
}

/** True when path lies strictly inside ancestor (`a.b.c` or `a.b[0]` inside `a.b`). */
function isBelow(path: string, ancestor: string): boolean {
  if (ancestor === '') return path !== '';
  return path.startsWith(`${ancestor}.`) || path.startsWith(`${ancestor}[`);
}

const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Turns an env string into the key's type. Text that does not fit is passed on unchanged
 * so that validation reports it with the key's own message ("must be a whole number …").
 */
function coerceEnv(key: ConfigKey, raw: string): { value: unknown } | { problem: string } {
  const trimmed = raw.trim();
  switch (key.kind) {
    case 'number':
      return { value: NUMBER_TEXT.test(trimmed) ? Number(trimmed) : raw };
    case 'boolean':
      if (trimmed === 'true' || trimmed === '1') return { value: true };
      if (trimmed === 'false' || trimmed === '0') return { value: false };
      return { value: raw };
    case 'array':
    case 'object':
      try {
        return { value: JSON.parse(raw) };
      } catch {
        const shape = key.kind === 'array' ? 'a list' : 'a mapping';
        // The text itself is not echoed: a section's JSON may carry a secret.
        return {
          problem: `'${key.path}' must be JSON text (${shape}) when set by ${key.env} ` +
            `(got text that is not valid JSON) [from ${key.env}]`,
        };
      }
    default:
      return { value: raw };
  }
}

// ---------------------------------------------------------------------------------------
// Messages

function formatIssue(
  issue: z.core.$ZodIssue,
  doc: Doc,
  origins: Map<string, string>,
): string[] {
  const path = issue.path;
  const where = pathText(path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(path, doc);
    return issue.keys.map((key) => {
      const full = where === '' ? key : `${where}.${key}`;
      return `'${full}' is not a known key${suggest(key, known, where)}${fromText(full, origins)}`;
    });
  }
  const params = issue.code === 'custom' ? issue.params : undefined;
  if (params?.sentence === true) {
    const sentence = issue.message.replace(
      /\{\.([A-Za-z0-9.]+)\}/g,
      (_, key: string) => where === '' ? key : `${where}.${key}`,
    );
    return [`${sentence}${fromText(where, origins)}`];
  }
  let must: string;
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
    must = `must be one of ${issue.options.map((o: unknown) => `'${String(o)}'`).join(', ')}`;
  } else if (issue.code === 'invalid_type' && issue.expected === 'object') {
    must = 'must be a mapping of keys';
  } else if (issue.code === 'invalid_type' && issue.expected === 'array') {
    must = 'must be a list';
  } else if (issue.message.startsWith('must ')) {
    must = issue.message;
  } else {
    must = `is not valid: ${issue.message}`;
  }
  const subject = where === '' ? 'the config' : `'${where}'`;
  return [`${subject} ${must} (${gotText(where, getAt(doc, path))})${fromText(where, origins)}`];
}

function gotText(path: string, value: unknown): string {
  if (value === undefined) return 'missing';
  if (hidesValue(path)) return 'value hidden';
  if (typeof value === 'string') {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return `got ${JSON.stringify(redactUrl(shown))}`;
  }
  if (Array.isArray(value) || isPlainObject(value)) return `got ${kindOfValue(value)}`;
  return `got ${String(value)}`;
}

// A key is hidden when it is a secret or a section that contains one (its value would
// print the secret inside it).
function hidesValue(path: string): boolean {
  return isSecretKey(path) || SECRET_KEY_PATHS.some((secret) => isBelow(secret, path));
}

// URLs like redis://:password@host or libsql://db?authToken=… carry credentials in keys
// whose names do not say so.
function redactUrl(text: string): string {
  return text.replace(/(\/\/[^/@\s]*?:)[^/@\s]*@/, '$1***@').replace(/\?.*$/, '?***');
}

function kindOfValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

function fromText(path: string, origins: Map<string, string>): string {
  const sources = new Set<string>();
  for (const [known, origin] of origins) {
    if (known === path || isBelow(path, known) || isBelow(known, path)) sources.add(origin);
  }
  return sources.size === 0 ? '' : ` [from ${[...sources].join(', ')}]`;
}

function getAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let node = doc;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    if (!Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

/** Keys the schema allows in the object at path (for did-you-mean). */
function knownKeysAt(path: readonly PropertyKey[], doc: Doc): string[] {
  let schema: z.core.$ZodType | undefined = configSchema;
  for (const [index, segment] of path.entries()) {
    schema = schema === undefined ? undefined : pickOption(unwrapSchema(schema), doc, path, index);
    if (schema instanceof z.ZodObject) schema = schema.shape[String(segment)];
    else if (schema instanceof z.ZodArray) schema = schema.element as z.core.$ZodType;
    else return [];
  }
  const target = schema === undefined
    ? undefined
    : pickOption(unwrapSchema(schema), doc, path, path.length);
  return target instanceof z.ZodObject ? Object.keys(target.shape) : [];
}

// For a discriminated union (a ladder entry) the allowed keys depend on its codec.
function pickOption(
  schema: z.core.$ZodType,
  doc: Doc,
  path: readonly PropertyKey[],
  depth: number,
): z.core.$ZodType {
  if (!(schema instanceof z.ZodDiscriminatedUnion)) return schema;
  const value = getAt(doc, path.slice(0, depth));
  const tag = isPlainObject(value) ? value[schema.def.discriminator] : undefined;
  for (const option of schema.options) {
    const inner = unwrapSchema(option as z.core.$ZodType);
    if (!(inner instanceof z.ZodObject)) continue;
    const field = inner.shape[schema.def.discriminator] as z.ZodType | undefined;
    if (field?.safeParse(tag).success) return inner;
  }
  return schema;
}

// The shared ROOMCAST_ prefix would make every short name look close to every other.
function suggestEnv(name: string): string {
  const strip = (env: string) => env.slice('ROOMCAST_'.length);
  const close = suggest(strip(name), [...ENV_KEYS.keys()].map(strip));
  return close.replace(/'(.*)'/, "'ROOMCAST_$1'");
}

/** " (did you mean 'edge.listen'?)" when a known name is close to the given one. */
function suggest(given: string, known: readonly string[], parent = ''): string {
  const normal = (name: string) => name.toLowerCase().replace(/[-_]/g, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(normal(given), normal(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(2, Math.floor(given.length / 3));
  if (best === undefined || bestDistance > limit) return '';
  return ` (did you mean '${parent === '' ? best : `${parent}.${best}`}'?)`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
