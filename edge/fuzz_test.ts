// Fuzzing the whole edge: a few thousand malformed, mutated and hostile requests to every
// route the app's own OpenAPI document lists (so new routes are fuzzed automatically), as
// no one, as a stranger and as an admin, unsigned and signed as a node. Every answer must be
// a 4xx with the JSON error body (or a 2xx when a mutation happens to stay valid) — never a
// 5xx, a thrown exception or an `unhandled error` log line — and no answer may leak a
// secret. Deterministic: FUZZ_SEED=<n> replays a run, FUZZ_REQUESTS=<n> changes its size.
import assert from 'node:assert/strict';
import process from 'node:process';
import { test } from 'node:test';
import { SIGNATURE_HEADERS, signRequest } from '../core/wire/signing.ts';
import { createTestEdge, TEST_SETTINGS, type TestEdge } from './testing.ts';
import { issueToken } from './services/accounts.ts';
import { evaluateAlerts } from './alerts/engine.ts';
import { deliverDue, listDeliveries } from './alerts/webhooks.ts';

const API = '/api/v1';
const SEED = (Number(process.env.FUZZ_SEED) || 20260601) >>> 0;
const TOTAL = Number(process.env.FUZZ_REQUESTS) || 4000;
/** An encoder's look at a room's output (the control room's "viewers get" picture). */
const OUTPUT_PROBE = {
  rendition: '720p',
  frameJpegBase64: '/9j/4AAQSkZJRg==',
  frameAt: '2026-06-01T08:59:58.000Z',
  blackSeconds: 0,
  frozenSeconds: 0,
  latencySeconds: 1.5,
};

// ---------------------------------------------------------------- deterministic randomness

interface Rng {
  next(): number;
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: small, fast and the same on every runtime. */
function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)]!,
    chance: (p) => next() < p,
  };
}

// ---------------------------------------------------------------- JSON with raw pieces

/** Text spliced verbatim into a body: numbers JSON cannot hold, deep nesting, broken JSON. */
class Raw {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}
type Value = null | boolean | number | string | Raw | Value[] | { [key: string]: Value };
type JsonObject = { [key: string]: Value };

function isObject(value: Value): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) &&
    !(value instanceof Raw);
}

/** Sets an own property, also for `__proto__` (plain assignment would change the prototype). */
function define(target: JsonObject, key: string, value: Value) {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function clone(value: Value): Value {
  if (Array.isArray(value)) return value.map(clone);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) define(out, key, clone(item));
    return out;
  }
  return value;
}

function serialize(value: Value): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  if (isObject(value)) {
    return `{${
      Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}:${serialize(item)}`).join(
        ',',
      )
    }}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// ---------------------------------------------------------------- hostile values

const WEIRD_NUMBERS: Value[] = [
  0,
  -0,
  -1,
  1,
  0.5,
  -0.5,
  1e308,
  -1e308,
  5e-324,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  2 ** 31,
  2 ** 32,
  1e21,
  143,
  144,
  2160,
  2161,
  120.0001,
  1000,
  1001,
  new Raw('1e400'),
  new Raw('-1e400'),
  new Raw('123456789012345678901234567890'),
  new Raw('-0.0'),
  new Raw('1E+2'),
  // Not JSON at all: the parser must refuse them cleanly.
  new Raw('NaN'),
  new Raw('Infinity'),
  new Raw('-Infinity'),
  new Raw('0x10'),
  new Raw('01'),
  new Raw('.5'),
  new Raw('+1'),
];

const WEIRD_STRINGS: string[] = [
  '',
  ' ',
  'NaN',
  'Infinity',
  'null',
  'true',
  '1',
  '-1',
  '1e308',
  'x'.repeat(65),
  'x'.repeat(257),
  'x'.repeat(1025),
  'Зал-1',
  '🎥'.repeat(40),
  '\u0000',
  'abc\u0000def',
  '\ud800',
  '\udfff\ud800',
  '\u202eevil',
  '\r\n\t',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '"; DROP TABLE rooms; --',
  '../../etc/passwd',
  '%00',
  '%ZZ',
  'rk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'rct_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'main-hall',
  'enc-1',
  'col-1',
  'nobody',
  'fuzz-event',
  '-leading-dash',
  'a'.repeat(63),
  'a'.repeat(64),
  '2026-02-30T00:00:00Z',
  '9999-12-31T23:59:59+23:59',
  '0000-01-01T00:00:00Z',
  '2026-06-01T08:00:00.123456789Z',
  '2026-06-01T08:00:00',
  '275760-09-13T00:00:00Z',
  'http://',
  'http://[::1',
  'http://a b',
  'javascript:alert(1)',
  'rtmp://x',
  'file:///etc/passwd',
  'a@b',
  'admin@example.test',
  'ADMIN@EXAMPLE.TEST',
  '00000000-0000-0000-0000-000000000000',
  'encoder',
  'collector',
  'admin',
  'copy',
  'h264',
  'audio',
  '__proto__',
  'constructor',
  '{"nested":"json"}',
];

const UNKNOWN_KEYS = [
  'colour',
  'isAdmin',
  'role',
  '',
  ' id',
  'id ',
  'ID',
  '\u0000',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'x'.repeat(1000),
  'Зал',
];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

function weirdValue(rng: Rng): Value {
  switch (rng.int(6)) {
    case 0:
      return rng.pick(WEIRD_NUMBERS);
    case 1:
    case 2:
      return rng.pick(WEIRD_STRINGS);
    case 3:
      return rng.pick<Value>([null, true, false, [], {}, [null], [1, 'a'], { a: 1 }, [[[]]]]);
    case 4:
      return rng.pick<Value>([
        JSON.parse('{"__proto__":{"isAdmin":true}}') as Value,
        { constructor: { prototype: { polluted: 1 } } },
      ]);
    default:
      return rng.pick<Value>(['x'.repeat(10_000), new Raw('[]'), new Raw('{}'), -1, 1e308]);
  }
}

/** A value of another JSON type than `value` (string↔number↔null↔array↔object↔boolean). */
function wrongType(value: Value, rng: Rng): Value {
  if (typeof value === 'string') {
    return rng.pick<Value>([
      Number(value) || 1,
      null,
      [value],
      { value },
      true,
      rng.pick(WEIRD_NUMBERS),
    ]);
  }
  if (typeof value === 'number') {
    return rng.pick<Value>([String(value), `${value}`.padStart(40, '0'), null, [value], {
      value,
    }, false]);
  }
  if (typeof value === 'boolean') {
    return rng.pick<Value>([String(value), value ? 1 : 0, null, [value]]);
  }
  if (value === null) return rng.pick<Value>(['null', 0, false, [], {}, '']);
  if (Array.isArray(value)) return rng.pick<Value>([value[0] ?? null, {}, 'array', 0, null]);
  return rng.pick<Value>([[value], serialize(value), 0, null, true]);
}

function deepNesting(rng: Rng): Raw {
  const depth = rng.pick([100, 1_000, 10_000]);
  return rng.chance(0.5)
    ? new Raw('['.repeat(depth) + ']'.repeat(depth))
    : new Raw('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
}

// ---------------------------------------------------------------- structural mutations

interface Slot {
  value: Value;
  set(value: Value): void;
  remove?: () => void;
}

function slotsOf(holder: { root: Value }): Slot[] {
  const out: Slot[] = [];
  const visit = (value: Value, set: (v: Value) => void, remove?: () => void) => {
    out.push({ value, set, remove });
    if (Array.isArray(value)) {
      value.forEach((item, i) =>
        visit(item, (v) => {
          value[i] = v;
        }, () => {
          value.splice(i, 1);
        })
      );
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        visit(item, (v) => define(value, key, v), () => {
          delete value[key];
        });
      }
    }
  };
  visit(holder.root, (v) => {
    holder.root = v;
  });
  return out;
}

/** One mutation somewhere in the tree; returns its name for the failure report. */
function mutateOnce(holder: { root: Value }, rng: Rng): string {
  const slots = slotsOf(holder);
  // Fields are where validation and the services' own checks live: prefer them over the
  // root, and the body's own fields over the leaves of long arrays (a ladder has dozens).
  const root = holder.root;
  const topLevel = isObject(root) ? new Set(Object.values(root)) : new Set<Value>();
  const fields = slots.slice(1).filter((s) => topLevel.has(s.value));
  const roll = rng.next();
  const slot = fields.length && roll < 0.45
    ? rng.pick(fields)
    : slots.length > 1 && roll < 0.9
    ? rng.pick(slots.slice(1))
    : rng.pick(slots);
  const value = slot.value;
  const ops: string[] = ['wrongType', 'weird', 'weird', 'nullify', 'wrap'];
  if (slot.remove) ops.push('remove', 'remove');
  if (typeof value === 'string') {
    ops.push('longString', 'weirdString', 'weirdString', 'dangling', 'dangling');
  }
  if (typeof value === 'number') ops.push('weirdNumber', 'weirdNumber');
  if (isObject(value)) ops.push('addKey', 'addKey', 'protoKey', 'deep');
  if (Array.isArray(value)) ops.push('grow', 'empty', 'deep');
  const op = rng.pick(ops);
  switch (op) {
    case 'remove':
      slot.remove!();
      break;
    case 'wrongType':
      slot.set(wrongType(value, rng));
      break;
    case 'weird':
      slot.set(weirdValue(rng));
      break;
    case 'nullify':
      slot.set(null);
      break;
    case 'wrap':
      slot.set(rng.chance(0.5) ? [value] : { value });
      break;
    case 'longString':
      slot.set(
        (typeof value === 'string' ? value : '') +
          'x'.repeat(rng.pick([200, 1_100, 20_000, 70_000])),
      );
      break;
    case 'weirdString':
      slot.set(rng.pick(WEIRD_STRINGS));
      break;
    case 'dangling':
      // Well-formed, but names nothing that exists: references must be checked, not trusted.
      slot.set(
        rng.pick(['nobody', 'no-such-thing', '0', '00000000-0000-4000-8000-000000000000', 'zz']),
      );
      break;
    case 'weirdNumber':
      slot.set(rng.pick(WEIRD_NUMBERS));
      break;
    case 'addKey':
      define(value as JsonObject, rng.pick(UNKNOWN_KEYS), weirdValue(rng));
      break;
    case 'protoKey':
      define(
        value as JsonObject,
        rng.pick(PROTO_KEYS),
        rng.pick<Value>([{}, { isAdmin: true }, { prototype: { polluted: true } }, null, 'x']),
      );
      break;
    case 'deep':
      slot.set(deepNesting(rng));
      break;
    case 'grow': {
      const items = value as Value[];
      const n = rng.pick([1, 13, 17, 100, 1_001]);
      const item = items[0] ?? weirdValue(rng);
      for (let i = 0; i < n; i++) items.push(clone(item));
      break;
    }
    case 'empty':
      (value as Value[]).length = 0;
      break;
  }
  return op;
}

// ---------------------------------------------------------------- text and byte mutations

function mutateText(text: string, rng: Rng, keys: string[]): { text: string; op: string } {
  const at = rng.int(text.length + 1);
  const op = rng.pick([
    'truncate',
    'insertChar',
    'deleteChar',
    'duplicateKeyFirst',
    'duplicateKeyLast',
    'trailingGarbage',
    'bom',
    'comment',
    'singleQuotes',
    'whitespace',
    'trailingComma',
    'unquotedKeys',
  ]);
  const key = keys.length ? rng.pick(keys) : 'id';
  const dup = `${JSON.stringify(key)}:${serialize(weirdValue(rng))}`;
  switch (op) {
    case 'truncate':
      return { op, text: text.slice(0, Math.max(0, at - 1)) };
    case 'insertChar':
      return {
        op,
        text: text.slice(0, at) + rng.pick(['"', '{', '}', ',', ':', '\\', '\u0000', 'ü', '\n']) +
          text.slice(at),
      };
    case 'deleteChar':
      return { op, text: text.slice(0, at) + text.slice(at + 1) };
    case 'duplicateKeyFirst':
      return { op, text: text.startsWith('{') ? `{${dup},${text.slice(1)}` : text + dup };
    case 'duplicateKeyLast':
      return {
        op,
        text: text.endsWith('}') && text.length > 2 ? `${text.slice(0, -1)},${dup}}` : text,
      };
    case 'trailingGarbage':
      return { op, text: text + rng.pick(['x', ']', '}', '\u0000', '{}', ' null', '//']) };
    case 'bom':
      return { op, text: `\ufeff${text}` };
    case 'comment':
      return { op, text: `/* hi */${text}` };
    case 'singleQuotes':
      return { op, text: text.replaceAll('"', "'") };
    case 'whitespace':
      return { op, text: ` \n\t\r ${text} \n\t ` };
    case 'trailingComma':
      return { op, text: text.endsWith('}') ? `${text.slice(0, -1)},}` : `${text},` };
    default:
      return { op, text: text.replace(/"([A-Za-z]+)":/g, '$1:') };
  }
}

const encoder = new TextEncoder();

function invalidUtf8(text: string, rng: Rng): Uint8Array {
  const bytes = encoder.encode(text);
  const bad = rng.pick([
    [0xff],
    [0xc0, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf8, 0x88, 0x80, 0x80, 0x80],
    [
      0x80,
    ],
    [0xe2, 0x82],
    [0xfe, 0xff],
  ]);
  // Inside a string value when there is one, so the JSON may still parse.
  const quote = text.indexOf('"', text.indexOf(':') + 1);
  const at = quote > 0 && rng.chance(0.7) ? quote + 1 : rng.int(bytes.length + 1);
  const out = new Uint8Array(bytes.length + bad.length);
  out.set(bytes.subarray(0, at));
  out.set(bad, at);
  out.set(bytes.subarray(at), at + bad.length);
  return out;
}

function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    out[i * 2] = text.charCodeAt(i) & 0xff;
    out[i * 2 + 1] = text.charCodeAt(i) >> 8;
  }
  return out;
}

function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
}

// ---------------------------------------------------------------- headers and paths

const CONTENT_TYPES: (string | undefined)[] = [
  undefined,
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----fuzz',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-16',
  'application/json; charset=latin1',
  'application/json ; charset=utf-8',
  'application/json;',
  'APPLICATION/JSON',
  'Application/Json; Charset=UTF-8',
  'application/jsonx',
  'application/json-patch+json',
  'application/vnd.api+json',
  'application/json, text/plain',
  'application/json; boundary="x"; charset=utf-8; q=0.9',
  'json',
  '',
  '*/*',
  'application/json; charset=' + 'x'.repeat(2_000),
];

const HOSTILE_SEGMENTS = [
  '..%2F..',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '..',
  '.',
  'x'.repeat(10_000),
  'a'.repeat(64),
  '%00',
  'main-hall%00',
  '0',
  '-1',
  '1e308',
  'NaN',
  '9007199254740993',
  '%F0%9F%8E%A5',
  'Зал-1',
  '🎥',
  '%ZZ',
  '%',
  '%E0%A4%A',
  '%C0%AE%C0%AE',
  'MAIN-HALL',
  'main_hall',
  '%20main-hall',
  'main-hall%2F..',
  '__proto__',
  'constructor',
  'toString',
  '00000000-0000-0000-0000-000000000000',
  encodeURIComponent("'; DROP TABLE rooms; --"),
  '%3Cscript%3E',
  '~',
  'main-hall;x=1',
  'main-hall%0d%0aX-Injected:%201',
];

const JUNK_QUERIES = [
  '?',
  '?event=',
  '?event=fuzz-event&event=other',
  '?live=maybe',
  '?live=true&live=false',
  '?live=TRUE',
  '?__proto__[isAdmin]=1',
  '?constructor=1&prototype=2',
  '?%ZZ=%ZZ',
  `?event=${'a'.repeat(5_000)}`,
  '?event[]=x',
  `?${'a=1&'.repeat(500)}`,
  '?event=%00',
  '?event=Зал',
  '?&&&=&=',
  '?event=fuzz-event#fragment',
  '?colour=red',
  '?event=%F0%9F%8E%A5',
];

const GOOD_QUERIES = [
  '?event=fuzz-event',
  '?live=true',
  '?live=false',
  '?event=fuzz-event&live=true',
  '',
];

/** Routes whose valid caller is a viewer, not the admin (the baseline's usual token). */
const BASELINE_AS_VIEWER = new Set([`${API}/me/streamer-application`]);

/**
 * Routes that need Stripe, which this edge does not have: they answer 404 "not set up"
 * to valid requests too (edge/billing/stripe_test.ts tests them against Stripe's library).
 */
const PAYMENTS = new Set([`${API}/me/checkout`, `${API}/billing/stripe/webhook`]);

/** Queries the routes that need one take; the run sends them, and junk, and others'. */
const VALID_QUERIES: Record<string, string> = {
  [`GET ${API}/chat/{kind}/{id}/replay`]: '?from=2026-01-01T00:00:00Z&to=2099-01-01T00:00:00Z',
  [`GET ${API}/chat/{kind}/{id}/moderation`]: '?limit=50',
  [`DELETE ${API}/chat/{kind}/{id}/messages/{seq}`]: '?reason=spam',
};

const JUNK_ORIGINS = [
  'https://evil.example',
  'null',
  'http://edge.test',
  'http://edge.test.evil.example',
  'x'.repeat(5_000),
  'http://[::1',
  'javascript:alert(1)',
  '',
];

const JUNK_HEADER_VALUES = [
  '',
  'x'.repeat(10_000),
  'ÿþý\u00a0\u00ff',
  'v1=' + 'g'.repeat(64),
  'v1=',
  'v2=' + '0'.repeat(64),
  '0',
  '-1',
  '99999999999999999999',
  '1e10',
  'NaN',
  'enc-1',
  '../enc-1',
  'ENC-1',
  'a'.repeat(63),
  'a'.repeat(64),
  'A'.repeat(16),
  'A'.repeat(65),
  '%00',
  'null',
  'enc-1, col-1',
];

// ---------------------------------------------------------------- routes from the document

type Security = 'operator' | 'node' | 'public';
type JsonSchema = Record<string, unknown>;

interface Route {
  method: string;
  template: string;
  security: Security;
  params: string[];
  query: string[];
  bodySchema: JsonSchema | null;
  weight: number;
}

function routesFrom(
  doc: { paths: Record<string, Record<string, Record<string, unknown>>> },
): Route[] {
  const routes: Route[] = [];
  for (const [template, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const security = (operation.security as Record<string, unknown>[] | undefined)?.[0] ?? {};
      const parameters = (operation.parameters as { in: string; name: string }[] | undefined) ?? [];
      const body = operation.requestBody as
        | { content?: Record<string, { schema?: JsonSchema }> }
        | undefined;
      routes.push({
        method: method.toUpperCase(),
        template,
        security: 'nodeSignature' in security
          ? 'node'
          : 'bearerAuth' in security
          ? 'operator'
          : 'public',
        params: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        bodySchema: body?.content?.['application/json']?.schema ?? null,
        weight: 1,
      });
    }
  }
  return routes;
}

/** A plausible body from the document's schema, for routes without a hand-written one. */
function sampleFromSchema(
  schema: JsonSchema,
  components: Record<string, JsonSchema>,
  depth = 0,
): Value {
  if (depth > 8) return null;
  const ref = schema.$ref as string | undefined;
  if (ref) return sampleFromSchema(components[ref.split('/').pop()!] ?? {}, components, depth + 1);
  for (const key of ['oneOf', 'anyOf', 'allOf']) {
    const options = schema[key] as JsonSchema[] | undefined;
    if (options?.[0]) return sampleFromSchema(options[0], components, depth + 1);
  }
  if ('const' in schema) return schema.const as Value;
  if (Array.isArray(schema.enum)) return schema.enum[0] as Value;
  const types = Array.isArray(schema.type) ? schema.type as string[] : [schema.type as string];
  const type = types.find((t) => t !== 'null') ?? types[0];
  switch (type) {
    case 'object': {
      const out: JsonObject = {};
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      for (const [key, property] of Object.entries(properties)) {
        define(out, key, sampleFromSchema(property, components, depth + 1));
      }
      return out;
    }
    case 'array': {
      const min = Math.max(1, Number(schema.minItems ?? 1));
      return Array.from(
        { length: min },
        () => sampleFromSchema((schema.items ?? {}) as JsonSchema, components, depth + 1),
      );
    }
    case 'integer':
    case 'number':
      return Number(
        schema.minimum ??
          (schema.exclusiveMinimum !== undefined ? Number(schema.exclusiveMinimum) + 1 : 1),
      );
    case 'boolean':
      return true;
    case 'string': {
      if (schema.format === 'email') return 'fuzz@example.test';
      if (schema.format === 'uri') return 'http://fuzz.test';
      if (schema.format === 'date-time') return '2026-06-01T10:00:00Z';
      if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      return 'fuzz-1';
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------- the fuzzing session

/** Control characters escaped, so a report can be read and pasted back. */
function printable(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    out += code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return out;
}

interface Creds {
  id: string;
  secret: string;
}

interface Fixture {
  ownerId: string;
  ownerEmail: string;
  ownerPassword: string;
  ownerToken: string;
  viewerToken: string;
  roomKey: string;
  enc1: Creds;
  enc2: Creds;
  col1: Creds;
  session: { sessionId: string; clientId: string };
  playToken: { e: string; s: string; t: string };
  /** The viewer's chat cookie (`name=value`), sent with the chat routes. */
  chatCookie: string;
  /** A viewer whose application to stream waits for the admins (POST /approvals/{id}). */
  applicantId: string;
  alertId: string;
  deadDeliveryId: string;
  canaries: Map<string, string>;
}

interface Attempt {
  index: number;
  method: string;
  url: string;
  auth: string;
  bodyKind: string;
  contentType: string | undefined;
  bodyPreview: string;
  bodyBytes: number;
}

interface Failure extends Attempt {
  problem: string;
  status: number | null;
  response: string;
  logs: string[];
}

const LADDER: Value = [
  { name: '720p', codec: 'h264', height: 720, videoKbps: 2500, audioKbps: 128, fps: 30 },
  { name: 'audio', codec: 'audio', audioKbps: 96 },
  { name: 'src', codec: 'copy' },
];

async function expectJson(response: Response | Promise<Response>, status: number, what: string) {
  const res = await response;
  const text = await res.text();
  assert.equal(res.status, status, `setup: ${what} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function login(edge: TestEdge, email: string, password: string): Promise<string> {
  const res = edge.app.request(`${API}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return (await expectJson(res, 200, `login ${email}`)).token;
}

async function addNode(edge: TestEdge, id: string, kind: 'encoder' | 'collector'): Promise<Creds> {
  const body = await expectJson(
    edge.asOperator('POST', `${API}/nodes`, { id, kind }),
    201,
    `add node ${id}`,
  );
  return { id, secret: body.secret };
}

async function setUp(edge: TestEdge): Promise<Fixture> {
  const ownerEmail = 'owner@example.test';
  const ownerPassword = 'correct horse battery staple';
  // Passwords cost a PBKDF2 each (slow on purpose): only these four in the whole file.
  const owner = await expectJson(
    edge.asOperator('POST', `${API}/accounts`, {
      email: ownerEmail,
      role: 'streamer',
      password: ownerPassword,
    }),
    201,
    'owner account',
  );
  await expectJson(
    edge.asOperator('POST', `${API}/accounts`, {
      email: 'viewer@example.test',
      role: 'viewer',
      password: ownerPassword,
    }),
    201,
    'viewer account',
  );
  const ownerToken = await login(edge, ownerEmail, ownerPassword);
  const viewerToken = await login(edge, 'viewer@example.test', ownerPassword);
  const applicant = await expectJson(
    edge.asOperator('POST', `${API}/accounts`, { email: 'applicant@example.test', role: 'viewer' }),
    201,
    'applicant account',
  );
  const { token: applicantToken } = await issueToken(edge.deps, applicant.id, 'fuzz', null);
  await expectJson(
    edge.asOperator(
      'POST',
      `${API}/me/streamer-application`,
      { roomId: 'applied-room', title: 'Applied' },
      applicantToken,
    ),
    201,
    'application',
  );

  await expectJson(
    edge.asOperator('POST', `${API}/events`, { id: 'fuzz-event', title: 'Fuzz Event' }),
    201,
    'event',
  );
  const room = await expectJson(
    edge.asOperator('POST', `${API}/rooms`, {
      id: 'main-hall',
      title: 'Main Hall',
      ownerAccountId: owner.id,
    }),
    201,
    'room main-hall',
  );
  await expectJson(
    edge.asOperator('POST', `${API}/rooms`, { id: 'event-room', eventId: 'fuzz-event' }),
    201,
    'event room',
  );
  const canaryRoom = await expectJson(
    edge.asOperator('POST', `${API}/rooms`, { id: 'canary-room' }),
    201,
    'canary room',
  );

  const enc1 = await addNode(edge, 'enc-1', 'encoder');
  const enc2 = await addNode(edge, 'enc-2', 'encoder');
  const col1 = await addNode(edge, 'col-1', 'collector');
  const canaryNode = await addNode(edge, 'canary-node', 'encoder');
  for (const node of [enc1, enc2]) {
    await expectJson(
      edge.asNode(node.id, node.secret, `${API}/node/register`, registerBody(node.id)),
      200,
      `register ${node.id}`,
    );
  }
  await expectJson(
    edge.asNode(col1.id, col1.secret, `${API}/node/register`, {
      v: 1,
      nodeId: col1.id,
      kind: 'collector',
      softwareVersion: '0.1.0',
      publicUrl: null,
      rtmpUrl: null,
      capacity: 1,
    }),
    200,
    'register col-1',
  );
  // A collector report for main-hall, so the control room's read of it and the room's
  // thumbnail have one to show.
  await expectJson(
    edge.asNode(col1.id, col1.secret, `${API}/node/heartbeat`, {
      v: 1,
      nodeId: col1.id,
      kind: 'collector',
      room: 'main-hall',
      state: 'live',
      input: { present: true, format: '1280x720 30p' },
      levels: [{ rmsDb: -18.5, peakDb: -6 }],
      uplink: { state: 'live', bitrateKbps: 2500, reconnects: 0, lastFailureAt: null },
      recording: { active: true, diskFreeMb: 50_000, lowDisk: false },
      previewJpegBase64: '/9j/4AAQSkZJRg==',
    }),
    200,
    'collector heartbeat',
  );
  const allowed = await expectJson(
    edge.asNode(
      enc1.id,
      enc1.secret,
      `${API}/node/hooks/publish`,
      publishBody(enc1.id, room.streamKey.key, '1', '192.0.2.1'),
    ),
    200,
    'first publish',
  );
  assert.equal(allowed.decision, 'allow', `setup: first publish ${JSON.stringify(allowed)}`);
  // The encoder's look at main-hall's output, so the control room has its picture to show.
  await expectJson(
    edge.asNode(enc1.id, enc1.secret, `${API}/node/heartbeat`, {
      v: 1,
      nodeId: enc1.id,
      kind: 'encoder',
      capacity: 3,
      cpuLoad: 0.25,
      rooms: [{
        room: 'main-hall',
        sessionId: allowed.sessionId,
        renditions: [{ name: '720p', speed: 1.01 }],
        viewers: 3,
        errors: [],
        output: OUTPUT_PROBE,
      }],
      errors: [],
    }),
    200,
    'encoder heartbeat',
  );
  const grant = await expectJson(
    edge.app.request(`${API}/public/rooms/main-hall/playback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }),
    200,
    'playback grant',
  );
  const token = new URLSearchParams(grant.tokenQuery);

  // The viewer chats under its account; one message in main-hall for replay and moderation.
  const identity = await edge.app.request(`${API}/chat/identity`, {
    method: 'POST',
    headers: { authorization: `Bearer ${viewerToken}` },
  });
  assert.equal(identity.status, 200, 'setup: chat identity');
  const chatCookie = identity.headers.get('set-cookie')!.split(';')[0]!;
  const message = await edge.app.request(`${API}/chat/rooms/main-hall/messages`, {
    method: 'POST',
    headers: { cookie: chatCookie, 'content-type': 'application/json' },
    body: '{"text":"first"}',
  });
  assert.equal(message.status, 201, 'setup: chat message');

  const canaries = new Map<string, string>([
    ['main-hall stream key', room.streamKey.key],
    ['canary-room stream key', canaryRoom.streamKey.key],
    ['enc-1 secret', enc1.secret],
    ['enc-2 secret', enc2.secret],
    ['col-1 secret', col1.secret],
    ['canary-node secret', canaryNode.secret],
    ['admin token', edge.adminToken],
    ['owner token', ownerToken],
    ['viewer token', viewerToken],
  ]);
  return {
    ownerId: owner.id,
    ownerEmail,
    ownerPassword,
    ownerToken,
    viewerToken,
    roomKey: room.streamKey.key,
    enc1,
    enc2,
    col1,
    session: { sessionId: allowed.sessionId, clientId: '1' },
    playToken: { e: token.get('e')!, s: token.get('s')!, t: token.get('t')! },
    chatCookie,
    applicantId: applicant.id,
    ...await alertFixtures(edge, col1),
    canaries,
  };
}

/**
 * An open alert (main-hall gone silent) to acknowledge, and a dead webhook delivery of it
 * (the fuzz edge's one receiver listens nowhere and gets one attempt) to send again.
 */
async function alertFixtures(edge: TestEdge, col1: Creds) {
  await expectJson(
    edge.asNode(col1.id, col1.secret, `${API}/node/heartbeat`, {
      v: 1,
      nodeId: col1.id,
      kind: 'collector',
      room: 'main-hall',
      state: 'live',
      input: { present: true, format: '1280x720 30p' },
      levels: [{ rmsDb: -90, peakDb: -80 }],
      audio: { silentSeconds: 60, clipping: false },
      uplink: { state: 'live', bitrateKbps: 2500, reconnects: 0, lastFailureAt: null },
      recording: { active: true, diskFreeMb: 50_000, lowDisk: false },
      previewJpegBase64: '/9j/4AAQSkZJRg==',
    }),
    200,
    'silent collector heartbeat',
  );
  const { fired } = await evaluateAlerts(edge.deps);
  assert.equal(fired.length, 1, 'setup: one alert');
  await deliverDue(edge.deps);
  const [dead] = await listDeliveries(edge.deps, 'dead', 1);
  assert.ok(dead, 'setup: a dead delivery');
  return { alertId: fired[0]!.id, deadDeliveryId: dead.id };
}

function registerBody(nodeId: string): JsonObject {
  return {
    v: 1,
    nodeId,
    kind: 'encoder',
    softwareVersion: '0.1.0',
    publicUrl: `http://${nodeId}.test:8088`,
    rtmpUrl: `rtmp://${nodeId}.test:1935/live`,
    capacity: 3,
  };
}

function publishBody(
  nodeId: string,
  streamKey: string,
  clientId: string,
  addr: string,
): JsonObject {
  return { v: 1, nodeId, clientId, app: 'live', streamKey, addr };
}

interface ValidRequest {
  body?: Value;
  /** Node routes: who signs (defaults to the route's usual node). */
  signer?: Creds;
}

test('fuzz: thousands of malformed requests to every route get a 4xx, never a 5xx or a crash', async () => {
  const started = Date.now();
  // Chat reads the sender's address from X-Forwarded-For here, so the victims the run makes
  // (below) each come from their own address and stay under the per-address limit.
  const edge = await createTestEdge({
    settings: {
      chat: { ...TEST_SETTINGS.chat, trustForwardedFor: true },
      alerts: {
        ...TEST_SETTINGS.alerts,
        deliveryAttempts: 1,
        webhooks: [{ name: 'nowhere', url: 'http://127.0.0.1:9/hook', format: 'json' }],
      },
    },
  });
  const rng = createRng(SEED);
  const replay = `FUZZ_SEED=${SEED} FUZZ_REQUESTS=${TOTAL}`;
  try {
    const fixture = await setUp(edge);
    const doc = await expectJson(edge.app.request(`${API}/openapi.json`), 200, 'openapi document');
    const components = (doc.components?.schemas ?? {}) as Record<string, JsonSchema>;
    // Chat's live routes (WebSocket, event stream) are not in the document: an event stream
    // never ends, so they have their own tests (edge/chat, e2e/chat_*).
    const routes = routesFrom(doc);
    assert.ok(routes.length >= 20, `the document lists only ${routes.length} routes`);
    // Routes the document does not describe, and paths that are no route at all.
    routes.push(
      {
        method: 'GET',
        template: `${API}/health`,
        security: 'public',
        params: [],
        query: [],
        bodySchema: null,
        weight: 0.3,
      },
      {
        method: 'GET',
        template: `${API}/openapi.json`,
        security: 'public',
        params: [],
        query: [],
        bodySchema: null,
        weight: 0.1,
      },
    );
    for (const route of routes) {
      if (route.template === `${API}/auth/login`) route.weight = 0.6;
    }
    const known = new Set(routes.map((r) => `${r.method} ${r.template}`));
    const NOWHERE = [
      `${API}/nowhere`,
      `${API}/`,
      `${API}`,
      `${API}//rooms`,
      `${API}/rooms/`,
      `${API}/ROOMS`,
      '/api/v2/rooms',
      `${API}/rooms/main-hall/keys/rotate/extra`,
      `${API}/node/hooks`,
      `${API}/node/hooks/publish/`,
      `${API}/public/rooms/main-hall/playback/x`,
      `${API}/../v1/rooms`,
      `${API}/%2e%2e/v1/rooms`,
      `/${'x'.repeat(5_000)}`,
    ];

    let counter = 0;
    const unique = (prefix: string) => `${prefix}-${(++counter).toString(36)}`;
    const randomAddr = () => `198.51.${rng.int(256)}.${rng.int(256)}`;
    const randomClientId = () => String(1_000 + rng.int(1_000_000));

    // ------------------------------------------------------------ valid bodies, by route
    const validBodies: Record<string, () => ValidRequest> = {
      [`POST ${API}/auth/login`]: () =>
        rng.chance(0.06)
          ? {
            body: {
              email: fixture.ownerEmail,
              password: rng.chance(0.3) ? fixture.ownerPassword : 'wrong password',
            },
          }
          : { body: { email: `${unique('nobody')}@example.test`, password: 'whatever it is' } },
      [`POST ${API}/tokens`]: () => ({ body: { label: unique('fuzz token') } }),
      [`POST ${API}/accounts`]: () => ({
        // No password: that would cost a PBKDF2 per request.
        body: {
          email: `${unique('fuzz')}@example.test`,
          role: rng.pick(['viewer', 'operator', 'streamer']),
          name: 'Fuzz',
        },
      }),
      [`POST ${API}/events`]: () => ({
        body: {
          id: unique('ev'),
          title: 'Fuzz Event',
          startsAt: '2026-06-01T08:00:00Z',
          endsAt: '2026-06-02T18:00:00+02:00',
        },
      }),
      [`PATCH ${API}/events/{id}`]: () => ({
        body: {
          title: 'Renamed',
          state: rng.pick(['scheduled', 'live']),
          startsAt: '2026-06-01T08:00:00Z',
          endsAt: null,
        },
      }),
      [`POST ${API}/rooms`]: () => ({
        body: {
          id: unique('room'),
          title: 'Room',
          eventId: 'fuzz-event',
          ownerAccountId: fixture.ownerId,
          ladder: clone(LADDER),
          encoderNodeId: rng.pick(['enc-1', 'enc-2', null]),
          withKey: rng.chance(0.5),
        },
      }),
      [`PATCH ${API}/rooms/{id}`]: () => ({
        body: {
          title: 'Main Hall',
          ownerAccountId: fixture.ownerId,
          ladder: clone(LADDER),
          encoderNodeId: rng.pick(['enc-2', null]),
        },
      }),
      [`POST ${API}/nodes`]: () => ({
        body: { id: unique('node'), kind: rng.pick(['encoder', 'collector']) },
      }),
      [`POST ${API}/node/hooks/publish`]: () => ({
        body: publishBody(
          'enc-1',
          rng.chance(0.7) ? fixture.roomKey : 'rk_unknown',
          randomClientId(),
          randomAddr(),
        ),
      }),
      [`POST ${API}/node/hooks/update`]: () => ({
        body: {
          v: 1,
          nodeId: 'enc-1',
          clientId: fixture.session.clientId,
          sessionId: fixture.session.sessionId,
          room: 'main-hall',
          time: 12.5,
          bytesIn: 123_456,
        },
      }),
      [`POST ${API}/node/hooks/publish-done`]: () => ({
        // Mostly another session: ending the fixture's session would take main-hall off air.
        body: {
          v: 1,
          nodeId: 'enc-1',
          clientId: randomClientId(),
          sessionId: rng.chance(0.1) ? fixture.session.sessionId : crypto.randomUUID(),
          room: 'main-hall',
        },
      }),
      [`POST ${API}/node/hooks/play`]: () => ({
        body: {
          v: 1,
          nodeId: 'enc-1',
          clientId: randomClientId(),
          room: 'main-hall',
          token: { ...fixture.playToken },
          addr: randomAddr(),
        },
      }),
      [`POST ${API}/node/register`]: () => ({ body: registerBody('enc-2'), signer: fixture.enc2 }),
      [`POST ${API}/rooms/{id}/move`]: () => ({ body: { encoderNodeId: 'enc-2' } }),
      [`POST ${API}/node/heartbeat`]: (): ValidRequest =>
        rng.chance(0.5)
          ? {
            body: {
              v: 1,
              nodeId: 'enc-1',
              kind: 'encoder',
              capacity: 3,
              cpuLoad: 0.25,
              rooms: [{
                room: 'main-hall',
                sessionId: fixture.session.sessionId,
                renditions: [{ name: '720p', speed: 1.01 }, { name: 'audio', speed: null }],
                viewers: 3,
                errors: [],
                output: OUTPUT_PROBE,
              }],
              errors: [],
            },
            signer: fixture.enc1,
          } satisfies ValidRequest
          : {
            body: {
              v: 1,
              nodeId: 'col-1',
              kind: 'collector',
              room: 'main-hall',
              state: 'live',
              input: { present: true, format: '1280x720p30' },
              levels: [{ rmsDb: -18.5, peakDb: -6 }],
              uplink: { state: 'live', bitrateKbps: 2500, reconnects: 0, lastFailureAt: null },
              recording: { active: true, diskFreeMb: 50_000, lowDisk: false },
              audio: { silentSeconds: 0, clipping: false },
              previewJpegBase64: '/9j/4AAQSkZJRg==',
            },
            signer: fixture.col1,
          } satisfies ValidRequest,
      [`POST ${API}/node/ingest`]: () => ({
        body: { v: 1, nodeId: 'col-1', room: 'main-hall' },
        signer: fixture.col1,
      }),
      [`POST ${API}/node/watchdog`]: (): ValidRequest => {
        // Either kind of box reports.
        const signer = rng.pick([fixture.enc1, fixture.enc2, fixture.col1]);
        return {
          body: {
            v: 1,
            nodeId: signer.id,
            kind: signer === fixture.col1 ? 'collector' : 'encoder',
            state: rng.pick(['ok', 'degraded', 'escalated']),
            intervalSeconds: 5,
            checks: [
              { name: 'agent', ok: true, detail: 'answers' },
              { name: 'room:main-hall', ok: false, detail: 'newest segment 14.2 s old' },
            ],
            actions: [{
              target: 'room:main-hall',
              action: 'killed-ffmpeg',
              at: '2026-06-01T08:58:30Z',
              reason: 'no new segment for 12 s',
            }],
            escalated: rng.chance(0.5)
              ? [{ target: 'nginx', reason: 'restarted 3 times', since: '2026-06-01T08:59:00Z' }]
              : [],
          },
          signer,
        };
      },
      [`POST ${API}/public/rooms/{id}/playback`]: () => ({
        body: rng.chance(0.5) ? { session: 'viewer-session-1' } : ({} as JsonObject),
      }),
      [`POST ${API}/public/rooms/{id}/heartbeat`]: () => ({
        body: { session: 'viewer-session-1', playing: rng.chance(0.5) },
      }),
      [`POST ${API}/chat/identity`]: () => ({
        body: rng.chance(0.5) ? { guest: true } : ({} as JsonObject),
      }),
      [`POST ${API}/chat/{kind}/{id}/messages`]: () => ({ body: { text: 'hello, fuzz' } }),
      [`POST ${API}/chat/{kind}/{id}/bans`]: () => ({
        body: {
          subject: `g:${unique('fz')}`,
          ...(rng.chance(0.5) ? { seconds: 60 } : {}),
          everywhere: rng.chance(0.2),
          reason: 'fuzz',
        },
      }),
      [`PATCH ${API}/chat/{kind}/{id}/settings`]: () => ({
        // Never 'off' or members only: the rest of the run posts into main-hall.
        body: { slowModeSeconds: 0, links: rng.pick(['allow', 'members', 'block']) },
      }),
    };
    const validFor = (route: Route): ValidRequest => {
      const make = validBodies[`${route.method} ${route.template}`];
      if (make) return make();
      return route.bodySchema ? { body: sampleFromSchema(route.bodySchema, components) } : {};
    };
    /** The chat cookie (mostly the viewer's, else junk) and sometimes an Origin. */
    const chatHeaders = (headers: Record<string, string>) => {
      if (rng.chance(0.8)) headers.cookie = fixture.chatCookie;
      else if (rng.chance(0.7)) headers.cookie = `roomcast_chat=${rng.pick(JUNK_HEADER_VALUES)}`;
      if (rng.chance(0.15)) headers.origin = rng.pick(JUNK_ORIGINS);
    };
    const defaultSigner = (route: Route): Creds =>
      route.template.endsWith('/ingest') ? fixture.col1 : fixture.enc1;

    // ------------------------------------------------------------ path parameters
    const isDestructive = (route: Route) =>
      route.method === 'DELETE' || /rotate|logout|\/move$|\/session\/end$/.test(route.template);
    /** Fresh things for destructive routes, so the fixtures survive the run. */
    const victimParams = async (route: Route): Promise<Record<string, string>> => {
      const rest = route.template.slice(API.length);
      if (rest.endsWith('/messages/{seq}')) {
        // A guest of its own, from an address of its own: no rate limit stands in the way.
        const headers = { 'content-type': 'application/json', 'x-forwarded-for': randomAddr() };
        const identity = await edge.app.request(`${API}/chat/identity`, {
          method: 'POST',
          headers,
          body: '{"guest":true}',
        });
        const cookie = identity.headers.get('set-cookie')!.split(';')[0]!;
        const posted = await expectJson(
          edge.app.request(`${API}/chat/rooms/main-hall/messages`, {
            method: 'POST',
            headers: { ...headers, cookie },
            body: '{"text":"victim"}',
          }),
          201,
          'victim message',
        );
        return { kind: 'rooms', id: 'main-hall', seq: String(posted.seq) };
      }
      if (rest.includes('/bans/{subject}')) {
        const subject = `g:${unique('victim')}`;
        await expectJson(
          edge.asOperator('POST', `${API}/chat/rooms/main-hall/bans`, { subject, seconds: 60 }),
          201,
          'victim ban',
        );
        return { kind: 'rooms', id: 'main-hall', subject };
      }
      if (rest.startsWith('/events/')) {
        const id = unique('victim-ev');
        await expectJson(
          edge.asOperator('POST', `${API}/events`, { id, title: 'Victim' }),
          201,
          'victim event',
        );
        return { id };
      }
      if (rest.startsWith('/nodes/')) {
        const id = unique('victim-node');
        await addNode(edge, id, rng.pick(['encoder', 'collector']));
        return { id };
      }
      if (rest.startsWith('/rooms/') || rest.startsWith('/public/rooms/')) {
        const id = unique('victim-room');
        const created = await expectJson(
          edge.asOperator('POST', `${API}/rooms`, { id }),
          201,
          'victim room',
        );
        // Ending a session needs one: the victim goes live on enc-1.
        if (rest.endsWith('/session/end')) {
          await expectJson(
            edge.asNode(
              'enc-1',
              fixture.enc1.secret,
              `${API}/node/hooks/publish`,
              publishBody('enc-1', created.streamKey.key, randomClientId(), randomAddr()),
            ),
            200,
            'victim publish',
          );
        }
        return { id, keyId: created.streamKey.info.id };
      }
      return {};
    };
    const fixtureParams = (route: Route, baseline = false): Record<string, string> => {
      const rest = route.template.slice(API.length);
      if (rest.startsWith('/chat/')) {
        const crew = !baseline && rng.chance(0.25);
        return {
          kind: crew ? 'crew' : 'rooms',
          id: crew ? 'fuzz-event' : 'main-hall',
          seq: '1',
          subject: 'g:nobody',
        };
      }
      if (rest.startsWith('/events/')) return { id: 'fuzz-event' };
      if (rest.startsWith('/nodes/')) return { id: 'canary-node' };
      if (rest.startsWith('/approvals/')) return { id: fixture.applicantId };
      if (rest.startsWith('/alerts/deliveries/')) return { id: fixture.deadDeliveryId };
      if (rest.startsWith('/alerts/')) return { id: fixture.alertId };
      return {
        // main-hall is live (playback, play); event-room belongs to an event.
        id: baseline ? 'main-hall' : rng.pick(['main-hall', 'main-hall', 'event-room']),
        keyId: '00000000-0000-4000-8000-000000000000',
      };
    };
    const fillPath = async (
      route: Route,
      validAuth: boolean,
    ): Promise<{ path: string; hostile: boolean }> => {
      if (!route.params.length) return { path: route.template, hostile: false };
      const hostile = rng.chance(0.35);
      // Destructive routes get victims even on a hostile path: some of its segments stay
      // valid, and a fixture in one of them would be gone for the rest of the run.
      const valid = validAuth && isDestructive(route)
        ? await victimParams(route)
        : fixtureParams(route);
      let path = route.template;
      for (const name of route.params) {
        const value = hostile && rng.chance(0.8)
          ? rng.pick(HOSTILE_SEGMENTS)
          : valid[name] ?? rng.pick(['main-hall', 'fuzz-1', '1']);
        path = path.replace(`{${name}}`, value);
      }
      return { path, hostile };
    };

    // ------------------------------------------------------------ checking one answer
    const failures: Failure[] = [];
    const stats = new Map<
      string,
      { total: number; ok2xx: number; byStatus: Map<number, number> }
    >();
    let sent = 0;
    let unsendable = 0;
    let designed5xx = 0;
    let logMark = edge.logLines.length;

    const preview = (body: string | Uint8Array | undefined) => {
      if (body === undefined) return '(no body)';
      const text = typeof body === 'string' ? body : `bytes:${new TextDecoder().decode(body)}`;
      return printable(
        text.length > 240
          ? `${text.slice(0, 200)}…(${text.length} chars)…${text.slice(-30)}`
          : text,
      );
    };

    const send = async (
      routeKey: string,
      attempt: Attempt,
      request: Request,
    ): Promise<{ status: number; text: string } | null> => {
      sent++;
      const record = stats.get(routeKey) ??
        { total: 0, ok2xx: 0, byStatus: new Map<number, number>() };
      stats.set(routeKey, record);
      record.total++;
      const problems: string[] = [];
      const fail = (problem: string, status: number | null, response: string, logs: string[]) => {
        // One failure per request, naming every problem it has.
        if (problems.length) {
          const last = failures[failures.length - 1]!;
          last.problem += `, ${problem}`;
          last.logs.push(...logs);
        } else {
          failures.push({
            ...attempt,
            problem,
            status,
            response: printable(response.slice(0, 600)),
            logs,
          });
        }
        problems.push(problem);
      };
      let res: Response;
      try {
        res = await edge.app.request(request);
      } catch (error) {
        fail(
          'app.request threw',
          null,
          error instanceof Error ? `${error.stack}` : String(error),
          [],
        );
        return null;
      }
      const text = request.method === 'HEAD' ? '' : await res.text();
      const newLogs = edge.logLines.slice(logMark);
      logMark = edge.logLines.length;
      const unhandled = newLogs.filter((line) => line.includes('unhandled error'));
      record.byStatus.set(res.status, (record.byStatus.get(res.status) ?? 0) + 1);
      if (unhandled.length) fail('unhandled error logged', res.status, text, unhandled);
      for (const [name, secret] of fixture.canaries) {
        if (text.includes(secret) || res.headers.get('set-cookie')?.includes(secret)) {
          fail(`response leaks the ${name}`, res.status, text, []);
        }
      }
      if (/node_modules|\n\s+at |\.ts:\d+/.test(text)) {
        fail('response carries a stack trace', res.status, text, []);
      }
      if (res.status >= 200 && res.status < 300) {
        record.ok2xx++;
      } else if (res.status >= 400 && res.status < 500) {
        if (request.method !== 'HEAD') {
          let shaped = false;
          try {
            const body = JSON.parse(text);
            shaped = typeof body?.error?.code === 'string' &&
              typeof body.error.message === 'string';
          } catch {
            shaped = false;
          }
          if (!shaped) fail('4xx without the JSON error body', res.status, text, []);
        }
      } else if (
        res.status === 503 && routeKey === `POST ${API}/node/ingest` && !unhandled.length &&
        text.includes('"unavailable"')
      ) {
        // Designed: no healthy encoder with an RTMP URL right now (a mutated, still valid
        // register may have taken it away). Not a crash; counted, not failed.
        designed5xx++;
      } else {
        fail(`status ${res.status}`, res.status, text, []);
      }
      return { status: res.status, text };
    };

    // ------------------------------------------------------------ building one request
    const buildBody = (
      valid: ValidRequest,
      route: Route,
    ): { body: string | Uint8Array | undefined; kind: string } => {
      const hasBody = route.bodySchema !== null;
      const base = valid.body ?? {};
      const baseText = serialize(base);
      const keys = isObject(base) ? Object.keys(base) : [];
      if (!hasBody && rng.chance(0.55)) return { body: undefined, kind: 'none' };
      const roll = rng.next();
      if (roll < 0.1) return { body: baseText, kind: 'valid' };
      if (roll < 0.58) {
        const holder = { root: clone(base) };
        const n = 1 + (rng.chance(0.3) ? rng.int(3) : 0);
        const ops = Array.from({ length: n }, () => mutateOnce(holder, rng));
        return { body: serialize(holder.root), kind: `mutate:${ops.join('+')}` };
      }
      if (roll < 0.72) {
        const { text, op } = mutateText(baseText, rng, keys);
        return { body: text, kind: `text:${op}` };
      }
      if (roll < 0.86) {
        const special = rng.pick<[string, string]>([
          ['empty', ''],
          ['null', 'null'],
          ['true', 'true'],
          ['zero', '0'],
          ['string', '"string"'],
          ['emptyArray', '[]'],
          ['arrayOfObject', '[{}]'],
          ['emptyObject', '{}'],
          ['protoPollution', '{"__proto__":{"isAdmin":true,"role":"admin"}}'],
          ['constructorPollution', '{"constructor":{"prototype":{"isAdmin":true}}}'],
          ['space', ' '],
          ['nul', '\u0000'],
          ['undefined', 'undefined'],
          ['openBrace', '{'],
          ['closeBrace', '}'],
          ['dangling', '{"a":'],
          ['notJson', 'x'.repeat(100)],
          ['arrayInstead', `[${baseText}]`],
          ['stringified', JSON.stringify(baseText)],
          ['emptyKey', '{"":""}'],
          ['hugeNumber', '{"v":1e400}'],
          ['form', 'id=x&title=y'],
          ['xml', '<?xml version="1.0"?><room id="x"/>'],
          ['twoDocuments', `${baseText}${baseText}`],
          ['protoInBody', baseText.replace('{', '{"__proto__":{"polluted":true},')],
        ]);
        return { body: special[1], kind: `special:${special[0]}` };
      }
      if (roll < 0.9) {
        const depth = rng.pick([10_000, 10_000, 100_000]);
        const deep = rng.pick([
          '['.repeat(depth) + ']'.repeat(depth),
          '['.repeat(depth),
          '{"a":'.repeat(Math.min(depth, 10_000)) + '1' + '}'.repeat(Math.min(depth, 10_000)),
          baseText.replace(/:("[^"]*"|[-\d.]+)/, `:${'['.repeat(depth)}${']'.repeat(depth)}`),
        ]);
        return { body: deep, kind: `deep:${depth}` };
      }
      if (roll < 0.93) {
        const size = rng.pick([65_535, 65_536, 65_537, 70_000, 300_000]);
        const pad = Math.max(0, size - baseText.length - 20);
        const huge = rng.chance(0.5) && baseText.startsWith('{') && baseText.length > 2
          ? `{"padding":"${'x'.repeat(pad)}",${baseText.slice(1)}`
          : `[${'0,'.repeat(Math.floor(size / 2) - 1)}0]`;
        return { body: huge, kind: `huge:${size}` };
      }
      const bytes = rng.pick<[string, Uint8Array]>([
        ['invalidUtf8', invalidUtf8(baseText, rng)],
        ['invalidUtf8', invalidUtf8(baseText, rng)],
        ['utf16le', utf16le(baseText)],
        ['latin1', latin1(baseText.replace(/"([a-z])/, '"é$1'))],
        ['bomUtf16', Uint8Array.from([0xff, 0xfe, ...utf16le(baseText)])],
      ]);
      return { body: bytes[1], kind: `bytes:${bytes[0]}` };
    };

    const contentTypeFor = (body: string | Uint8Array | undefined): string | undefined => {
      if (body === undefined) return rng.chance(0.8) ? undefined : rng.pick(CONTENT_TYPES);
      return rng.chance(0.8) ? 'application/json' : rng.pick(CONTENT_TYPES);
    };

    const makeRequest = (
      method: string,
      path: string,
      headers: Record<string, string>,
      body: string | Uint8Array | undefined,
    ): Request | null => {
      try {
        const init: RequestInit & { duplex?: 'half' } = { method, headers };
        if (body !== undefined && method !== 'GET' && method !== 'HEAD') {
          if (rng.chance(0.03)) {
            const bytes = typeof body === 'string' ? encoder.encode(body) : body;
            init.body = new ReadableStream<Uint8Array>({
              start(controller) {
                for (let i = 0; i < bytes.length; i += 4096) {
                  controller.enqueue(bytes.slice(i, i + 4096));
                }
                controller.close();
              },
            });
            init.duplex = 'half';
          } else {
            init.body = body as BodyInit;
          }
        }
        return new Request(`http://edge.test${path}`, init);
      } catch {
        // The client side refuses it (e.g. a header no HTTP client could send): not a request.
        unsendable++;
        return null;
      }
    };

    /** What the server will hash: the body bytes decoded as UTF-8, as `c.req.text()` does. */
    const signedText = (body: string | Uint8Array | undefined) =>
      body === undefined
        ? ''
        : new TextDecoder().decode(typeof body === 'string' ? encoder.encode(body) : body);

    const signFor = async (
      creds: Creds,
      method: string,
      path: string,
      body: string | Uint8Array | undefined,
      skewMs = 0,
    ) => {
      const url = new URL(`http://edge.test${path}`);
      return await signRequest(creds.id, creds.secret, {
        method,
        pathWithQuery: url.pathname + url.search,
        body: signedText(body),
      }, edge.deps.now() + skewMs);
    };

    const operatorAuth = async (
      route: Route,
    ): Promise<{ name: string; header?: string; valid: boolean }> => {
      const roll = rng.next();
      if (roll < 0.1) return { name: 'no token', valid: false };
      if (roll < 0.25) {
        const header = rng.pick([
          '',
          'Bearer',
          'Bearer rct_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
          'Bearer rct_short',
          'Basic YWRtaW46YWRtaW4=',
          `Bearer ${edge.adminToken.toUpperCase()}`,
          `Bearer ${edge.adminToken} extra`,
          `Bearer ${edge.adminToken}x`,
          `Bearer ${edge.adminToken.slice(0, -1)}`,
          `Bearer ${'x'.repeat(10_000)}`,
          `Bearer rct_${'A'.repeat(10_000)}`,
          'Bearer ÿþý',
          `Token ${edge.adminToken}`,
          `Bearer ${fixture.enc1.secret}`,
          'Bearer null',
          'Bearer undefined',
          'Bearer rct_%00%00%00%00%00%00%00%00%00%00%00',
          `Bearer ${edge.adminToken}, Bearer ${edge.adminToken}`,
        ]);
        return { name: 'garbage token', header, valid: false };
      }
      if (roll < 0.32) {
        return rng.chance(0.5)
          ? { name: 'owner token', header: `Bearer ${fixture.ownerToken}`, valid: false }
          : { name: 'viewer token', header: `Bearer ${fixture.viewerToken}`, valid: false };
      }
      if (route.template.endsWith('/logout')) {
        // Logging out revokes the token it carries: never the admin's.
        const created = await expectJson(
          edge.asOperator('POST', `${API}/tokens`, { label: 'to log out' }),
          201,
          'token',
        );
        return { name: 'disposable token', header: `Bearer ${created.token}`, valid: true };
      }
      return {
        name: 'admin token',
        header: `Bearer ${rng.chance(0.1) ? `  ${edge.adminToken}  ` : edge.adminToken}`,
        valid: true,
      };
    };

    // ------------------------------------------------------------ one fuzz case
    const fuzzOne = async (index: number) => {
      const weights = routes.reduce((sum, r) => sum + r.weight, 0);
      if (rng.chance(0.04)) {
        // Somewhere or something that is no route: unknown paths and undocumented methods.
        const method = rng.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
        const template = rng.chance(0.5) ? rng.pick(NOWHERE) : rng.pick(routes).template;
        if (
          known.has(`${method} ${template}`) || (method === 'HEAD' && known.has(`GET ${template}`))
        ) return;
        const path = template.replace(/\{[^}]+\}/g, 'main-hall');
        const body = method === 'GET' || method === 'HEAD' || rng.chance(0.5)
          ? undefined
          : '{"id":"x"}';
        const contentType = contentTypeFor(body);
        const headers: Record<string, string> = { authorization: `Bearer ${edge.adminToken}` };
        if (contentType !== undefined) headers['content-type'] = contentType;
        const request = makeRequest(method, path, headers, body);
        if (!request) return;
        await send('(no route)', {
          index,
          method,
          url: path,
          auth: 'admin token',
          bodyKind: 'unrouted',
          contentType,
          bodyPreview: preview(body),
          bodyBytes: 0,
        }, request);
        return;
      }
      let pickAt = rng.next() * weights;
      const route = routes.find((r) => (pickAt -= r.weight) < 0) ?? routes[routes.length - 1]!;
      const routeKey = `${route.method} ${route.template}`;
      const headers: Record<string, string> = {};
      let authName = 'none';
      let validAuth = route.security === 'public';
      if (route.security === 'operator') {
        const auth = await operatorAuth(route);
        authName = auth.name;
        validAuth = auth.valid;
        if (auth.header !== undefined) headers.authorization = auth.header;
      } else if (route.security === 'public' && rng.chance(0.1)) {
        headers.authorization = rng.pick([
          'Bearer junk',
          `Bearer ${edge.adminToken}`,
          'x'.repeat(5_000),
        ]);
      }
      const node = route.security === 'node' ? rng.next() : 1;
      if (route.security === 'node') validAuth = node >= 0.35;
      let { path, hostile } = await fillPath(route, validAuth);
      if (route.query.length || rng.chance(0.1)) {
        if (rng.chance(0.5)) path += rng.pick(JUNK_QUERIES);
        else if (VALID_QUERIES[routeKey] && rng.chance(0.6)) path += VALID_QUERIES[routeKey];
        else if (route.query.length) path += rng.pick(GOOD_QUERIES);
      }
      if (route.template.startsWith(`${API}/chat/`)) chatHeaders(headers);
      const valid = validFor(route);
      const { body, kind } = route.method === 'GET' || route.method === 'HEAD'
        ? { body: undefined, kind: 'none' }
        : buildBody(valid, route);
      const contentType = contentTypeFor(body);
      if (contentType !== undefined) headers['content-type'] = contentType;
      if (rng.chance(0.05)) {
        headers['content-length'] = rng.pick(['0', '1', '-1', '99999999999', 'abc']);
      }

      let replayTwice = false;
      if (route.security === 'node') {
        const signer = valid.signer ?? defaultSigner(route);
        if (node < 0.08) {
          authName = 'unsigned';
        } else if (node < 0.16) {
          authName = 'wrong secret';
          const secret = rng.pick([
            fixture.col1.secret,
            fixture.enc2.secret,
            fixture.enc1.secret,
            'not-the-secret',
          ]);
          Object.assign(
            headers,
            await signFor(
              { id: signer.id, secret: secret === signer.secret ? 'x' : secret },
              route.method,
              path,
              body,
            ),
          );
        } else if (node < 0.26) {
          authName = 'junk signature header';
          Object.assign(headers, await signFor(signer, route.method, path, body));
          const names = Object.values(SIGNATURE_HEADERS);
          for (const name of rng.chance(0.2) ? names : [rng.pick(names)]) {
            if (rng.chance(0.15)) delete headers[name];
            else headers[name] = rng.pick(JUNK_HEADER_VALUES);
          }
        } else if (node < 0.3) {
          authName = 'stale or future timestamp';
          Object.assign(
            headers,
            await signFor(
              signer,
              route.method,
              path,
              body,
              rng.pick([-120_000, 120_000, -31_000, 1e12]),
            ),
          );
        } else if (node < 0.35) {
          authName = 'signed for another request';
          const otherPath = rng.chance(0.5) ? `${path}?x=1` : path;
          Object.assign(
            headers,
            await signFor(signer, route.method, otherPath, `${signedText(body)} `),
          );
        } else {
          const wrongNode = rng.chance(0.08);
          const creds = wrongNode ? rng.pick([fixture.col1, fixture.enc1, fixture.enc2]) : signer;
          authName = wrongNode ? `signed by ${creds.id}` : 'signed';
          replayTwice = rng.chance(0.06);
          if (replayTwice) authName += ', replayed';
          Object.assign(headers, await signFor(creds, route.method, path, body));
        }
      }

      const method = route.method;
      const attempt: Attempt = {
        index,
        method,
        url: path.length > 300 ? `${path.slice(0, 280)}…(${path.length} chars)` : path,
        auth: authName,
        bodyKind: hostile ? `${kind}, hostile path` : kind,
        contentType,
        bodyPreview: preview(body),
        bodyBytes: body === undefined
          ? 0
          : typeof body === 'string'
          ? encoder.encode(body).length
          : body.length,
      };
      const request = makeRequest(method, path, headers, body);
      if (!request) return;
      const first = await send(routeKey, attempt, request);
      if (replayTwice && first) {
        const again = makeRequest(method, path, headers, body);
        if (!again) return;
        const second = await send(
          routeKey,
          { ...attempt, auth: 'replay of the previous request' },
          again,
        );
        if (first.status >= 200 && first.status < 300 && second && second.status !== 401) {
          failures.push({
            ...attempt,
            problem: 'a replayed signed request was accepted',
            status: second.status,
            response: second.text.slice(0, 300),
            logs: [],
          });
        }
      }
    };

    // ------------------------------------------------------------ baseline: valid bodies are valid
    // If these fail, the fuzzer's valid bodies went stale and mutations no longer reach deep code.
    for (const route of routes) {
      const valid: ValidRequest = route.template === `${API}/auth/login`
        ? { body: { email: fixture.ownerEmail, password: fixture.ownerPassword } }
        : validFor(route);
      const headers: Record<string, string> = {};
      const body = valid.body === undefined || route.method === 'GET'
        ? undefined
        : serialize(valid.body);
      if (body !== undefined) headers['content-type'] = 'application/json';
      let path = route.template;
      if (route.params.length) {
        const params = isDestructive(route)
          ? await victimParams(route)
          : fixtureParams(route, true);
        for (const name of route.params) path = path.replace(`{${name}}`, params[name] ?? 'x');
      }
      path += VALID_QUERIES[`${route.method} ${route.template}`] ?? '';
      if (route.template.startsWith(`${API}/chat/`)) headers.cookie = fixture.chatCookie;
      if (route.security === 'operator') {
        const auth = route.template.endsWith('/logout')
          ? (await expectJson(
            edge.asOperator('POST', `${API}/tokens`, { label: 'to log out' }),
            201,
            'token',
          )).token
          : BASELINE_AS_VIEWER.has(route.template)
          ? fixture.viewerToken
          : edge.adminToken;
        headers.authorization = `Bearer ${auth}`;
      }
      if (route.security === 'node') {
        Object.assign(
          headers,
          await signFor(valid.signer ?? defaultSigner(route), route.method, path, body),
        );
      }
      const res = await edge.app.request(path, { method: route.method, headers, body });
      const text = await res.text();
      if (PAYMENTS.has(route.template)) {
        assert.equal(res.status, 404, `${route.template} without Stripe: ${text.slice(0, 300)}`);
        continue;
      }
      assert.ok(
        res.status >= 200 && res.status < 300,
        `baseline: the valid ${route.method} ${path} answered ${res.status}: ${text.slice(0, 300)}`,
      );
    }
    logMark = edge.logLines.length;

    // ------------------------------------------------------------ the run
    for (let index = 0; sent < TOTAL; index++) await fuzzOne(index);

    // ------------------------------------------------------------ report
    const summary = [...stats.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, s]) =>
      `  ${key}: ${s.total} (2xx ${s.ok2xx}; ${
        [...s.byStatus.entries()].sort(([a], [b]) => a - b).map(([st, n]) => `${st}×${n}`).join(' ')
      })`
    );
    console.log(
      `fuzz seed ${SEED}: ${sent} requests (${unsendable} refused by the client, ${designed5xx} designed 503s) in ${
        ((Date.now() - started) / 1000).toFixed(1)
      } s\n${summary.join('\n')}`,
    );
    const distinct = new Map<string, Failure>();
    for (const f of failures) {
      const route = f.url.split('?')[0]!;
      const key = `${f.problem} | ${f.method} ${route} | ${
        f.logs[0]?.replace(/params: .*/s, '') ?? f.response.slice(0, 80)
      }`;
      if (!distinct.has(key)) distinct.set(key, f);
    }
    const report = [...distinct.values()].slice(0, 25).map((f) =>
      `#${f.index} ${f.problem}: ${f.method} ${f.url} [auth: ${f.auth}; body: ${f.bodyKind}; content-type: ${
        f.contentType ?? '(none)'
      }; ${f.bodyBytes} bytes]\n` +
      `    body: ${f.bodyPreview}\n    answer ${f.status}: ${f.response.slice(0, 300)}` +
      (f.logs.length ? `\n    log: ${f.logs.join('\n    log: ').slice(0, 600)}` : '')
    );
    assert.equal(
      failures.length,
      0,
      `${failures.length} fuzz failures (${distinct.size} distinct); replay with ${replay}\n${
        report.join('\n')
      }`,
    );
    for (const route of routes) {
      const key = `${route.method} ${route.template}`;
      assert.ok((stats.get(key)?.total ?? 0) > 0, `seed ${SEED}: ${key} was never fuzzed`);
    }

    // ------------------------------------------------------------ valid flows still work
    assert.equal(
      (await edge.asOperator('GET', `${API}/me`)).status,
      200,
      `seed ${SEED}: the admin token still works`,
    );
    const room = await expectJson(
      edge.asOperator('POST', `${API}/rooms`, { id: 'after-fuzz', title: 'After' }),
      201,
      'room after fuzz',
    );
    const decision = await expectJson(
      edge.asNode(
        fixture.enc1.id,
        fixture.enc1.secret,
        `${API}/node/hooks/publish`,
        publishBody('enc-1', room.streamKey.key, '424242', '203.0.113.77'),
      ),
      200,
      'publish after fuzz',
    );
    assert.equal(
      decision.decision,
      'allow',
      `seed ${SEED}: publish after the fuzz run: ${JSON.stringify(decision)}`,
    );
    assert.equal(decision.room, 'after-fuzz');
    const nodes = await expectJson(edge.asOperator('GET', `${API}/nodes`), 200, 'nodes after fuzz');
    assert.ok(
      nodes.nodes.some((n: { id: string }) => n.id === 'enc-1'),
      `seed ${SEED}: enc-1 survived`,
    );
    assert.ok(
      !edge.logLines.some((line) => line.includes('unhandled error')),
      `seed ${SEED}: no unhandled error was logged`,
    );
  } finally {
    await edge.close();
  }
});
