// The parts of the config schema (core/config/schema.ts) an event file is checked with, so
// a value the event file accepts is a value the box accepts, with the same message; and the
// small helpers the checks share (zod issues to messages, sections, hosts, safe copies).
import { z } from 'zod';
import { configSchema, unwrapSchema } from '../config/schema.ts';
import { type Path, pathText } from './errors.ts';

type AnySchema = z.core.$ZodType;
export type Doc = Record<string, unknown>;

function objectOf(schema: AnySchema): z.ZodObject {
  const inner = unwrapSchema(schema);
  if (!(inner instanceof z.ZodObject)) throw new Error('config schema: expected a section');
  return inner;
}

export const COLLECTOR = objectOf(configSchema.shape.collector);
export const ENCODER = objectOf(configSchema.shape.encoder);
/** encoder.ladder: renditions, unique names (with its default ladder when undefined). */
export const LADDER = ENCODER.shape.ladder as z.ZodType;
export const BASE_URL = unwrapSchema(
  objectOf(configSchema.shape.edge).shape.publicUrl,
) as z.ZodType<
  string
>;
export const HOST = unwrapSchema(objectOf(ENCODER.shape.rtmp).shape.host) as z.ZodType<string>;
export const SLUG = unwrapSchema(COLLECTOR.shape.nodeId) as z.ZodType<string>;

export function isPlainObject(value: unknown): value is Doc {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function getAt(value: unknown, path: Path): unknown {
  let node = value;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segment)) {
      return undefined;
    }
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/**
 * The schema that validates the value at path inside schema: objects by key, lists by
 * element, a discriminated union (a ladder entry) by the tag the value carries.
 */
export function schemaAt(schema: AnySchema, path: Path, value: unknown): AnySchema | undefined {
  let current: AnySchema | undefined = schema;
  for (let depth = 0; depth <= path.length && current !== undefined; depth++) {
    current = pickOption(unwrapSchema(current), getAt(value, path.slice(0, depth)));
    if (depth === path.length) return current;
    const segment = path[depth];
    if (current instanceof z.ZodObject) current = current.shape[String(segment)];
    else if (current instanceof z.ZodArray) current = current.element as AnySchema;
    else return undefined;
  }
  return current;
}

function pickOption(schema: AnySchema, value: unknown): AnySchema {
  if (!(schema instanceof z.ZodDiscriminatedUnion)) return schema;
  const tag = isPlainObject(value) ? value[schema.def.discriminator] : undefined;
  for (const option of schema.options) {
    const inner = unwrapSchema(option as AnySchema);
    const field = inner instanceof z.ZodObject
      ? inner.shape[schema.def.discriminator] as z.ZodType | undefined
      : undefined;
    if (field?.safeParse(tag).success) return inner;
  }
  return schema;
}

/** Keys the schema allows in the mapping at path. */
export function knownKeys(schema: AnySchema, path: Path, value: unknown): string[] {
  const target = schemaAt(schema, path, value);
  return target instanceof z.ZodObject ? Object.keys(target.shape) : [];
}

/** ' (known here: a, b, c)' for an unknown key's message. */
export function knownHint(keys: readonly string[]): string {
  return keys.length ? ` (known here: ${keys.join(', ')})` : '';
}

/** What was given, for a message: scalars shown (shortened), mappings and lists named. */
export function gotText(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'got null';
  if (Array.isArray(value)) return 'got a list';
  if (isPlainObject(value)) return 'got a mapping';
  if (typeof value === 'string') {
    return `got ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  }
  return `got ${String(value)}`;
}

function mustText(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
    return `must be one of ${issue.options.map((o: unknown) => `'${String(o)}'`).join(', ')}`;
  }
  if (issue.code === 'invalid_type' && issue.expected === 'object') return 'must be a mapping';
  if (issue.code === 'invalid_type' && issue.expected === 'array') return 'must be a list';
  if (issue.message.startsWith('must ')) return issue.message;
  return `is not valid (${issue.message})`;
}

export interface IssueSink {
  add(path: Path, message: string): void;
}

/**
 * Reports zod issues of `value` (validated by `schema`) into sink, one message per key.
 * `at` turns a path inside value into the path in the file, or null to leave the issue
 * out (it was reported elsewhere, e.g. under defaults).
 */
export function reportZodIssues(
  issues: readonly z.core.$ZodIssue[],
  options: { value: unknown; schema: AnySchema; sink: IssueSink; at: (path: Path) => Path | null },
): void {
  const seen = new Set<string>();
  const once = (path: Path, message: string) => {
    const mapped = options.at(path);
    if (mapped === null || seen.has(pathText(path))) return;
    seen.add(pathText(path));
    options.sink.add(mapped, message);
  };
  for (const issue of issues) {
    const path = issue.path as Path;
    if (issue.code === 'unrecognized_keys') {
      const known = knownHint(knownKeys(options.schema, path, options.value));
      for (const key of issue.keys) once([...path, key], `unknown key${known}`);
      continue;
    }
    once(path, `${mustText(issue)} (${gotText(getAt(options.value, path))})`);
  }
}

export function checkSection<S extends z.ZodType>(
  schema: S,
  value: unknown,
  path: Path,
  issues: IssueSink,
): z.infer<S> | undefined {
  if (value === undefined) {
    issues.add(path, `missing: a mapping of ${knownKeys(schema, [], {}).join(', ')}`);
    return undefined;
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  reportZodIssues(result.error.issues, {
    value,
    schema,
    sink: issues,
    at: (p) => [...path, ...p],
  });
  return undefined;
}

export function checkHost(host: string, path: Path, issues: IssueSink): boolean {
  const result = HOST.safeParse(host);
  if (result.success) return true;
  issues.add(path, `the host ${result.error.issues[0]?.message} (${gotText(host)})`);
  return false;
}

/** entry without the keys a box section gets from elsewhere; each one set is an issue. */
export function dropOwnKeys(
  entry: Doc,
  own: Record<string, string>,
  path: Path,
  issues: IssueSink,
): Doc {
  const rest: Doc = {};
  for (const [key, child] of Object.entries(entry)) {
    if (Object.hasOwn(own, key)) issues.add([...path, key], own[key]!);
    else setOwn(rest, key, child);
  }
  return rest;
}

// defineProperty, not assignment: a key named `__proto__` in a file stays an ordinary (and
// therefore unknown) key instead of replacing the prototype.
export function setOwn(target: Doc, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
