// What `roomcast push` (on the operator's machine) and `roomcast box session` (on a box,
// started over SSH) say to each other: JSON lines, one message per line, over the SSH
// session's stdin and stdout. File contents, secrets included, travel only here — never
// in an argv on either side, so never in `ps`.
//
//   pusher → box   {"op":"read","nonce":…}            what the box has (env values masked)
//   box → pusher   {"type":"state",…}
//   pusher → box   {"op":"apply","files":[…],…}       only when something changed
//   box → pusher   {"type":"step","step":"validating"} … {"type":"result",…}
//   pusher closes stdin; the box exits.
//
// The box never sends a secret back: an env file comes back with each value replaced by
// an HMAC under the pusher's one-time nonce, enough to tell "changed" from "unchanged".
import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';

/** Bumped when a message changes shape; the pusher refuses a box that speaks another. */
export const PUSH_PROTOCOL = 1;

export const BOX_KINDS = ['collector', 'encoder'] as const;
export type BoxKind = (typeof BOX_KINDS)[number];

/** The files of a box of this kind, as `renderBoxConfigs` names them. */
export function boxFileNames(kind: BoxKind): string[] {
  return [`${kind}.yaml`, `${kind}.env`];
}

/** The systemd unit that reads them (systemd/roomcast-<kind>.service). */
export function unitOf(kind: BoxKind): string {
  return `roomcast-${kind}.service`;
}

/** The box's watchdog (systemd/roomcast-watchdog@.service), which reads the same config. */
export function watchdogUnitOf(kind: BoxKind): string {
  return `roomcast-watchdog@${kind}.service`;
}

/** Env files hold the secrets: their values are never shown, logged or sent back. */
export function isSecretFile(path: string): boolean {
  return path.endsWith('.env');
}

// Everything that ends up in the remote command line or in a path on the box is one of
// these: no quotes, spaces, `$`, backslashes or `..`, so quoting it is trivially safe.
const SAFE_PATH = /^\/[A-Za-z0-9._/-]*$/;
const SAFE_HOST = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$/;

/** An absolute path of letters, digits and `._/-`, without `..` segments. */
export function isSafePath(path: string): boolean {
  return SAFE_PATH.test(path) && !path.split('/').includes('..');
}

/** A host name or IP address that can be an SSH destination and a path part. */
export function isSafeHost(host: string): boolean {
  return SAFE_HOST.test(host);
}

// ---------------------------------------------------------------------------------------
// Masking env files

const ENV_LINE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** `true` for a line systemd's EnvironmentFile= skips: blank, `#…` or `;…`. */
function isEnvComment(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';');
}

/**
 * An env file with every value replaced by `<h:…>`, a keyed hash under `nonce`: equal
 * values give equal tokens within one push and nothing that outlives it. Comment lines
 * stay as they are; any other line is hashed whole.
 */
export function maskEnvText(text: string, nonce: string): string {
  const token = (value: string) =>
    `<h:${createHmac('sha256', nonce).update(value).digest('hex').slice(0, 24)}>`;
  return text.split('\n').map((line) => {
    if (isEnvComment(line)) return line;
    const match = ENV_LINE.exec(line);
    return match ? `${match[1]}=${token(match[2]!)}` : `<line ${token(line)}>`;
  }).join('\n');
}

/**
 * The variables of an env file, as systemd's EnvironmentFile= reads our files (`NAME=VALUE`
 * lines, `#`/`;` comments). Throws naming the line, never its text.
 */
export function parseEnvText(text: string, name: string): Record<string, string> {
  const values: Record<string, string> = {};
  text.split('\n').forEach((line, index) => {
    if (isEnvComment(line)) return;
    const match = ENV_LINE.exec(line);
    if (!match) throw new Error(`${name} line ${index + 1} is not NAME=VALUE (line not shown)`);
    values[match[1]!] = match[2]!;
  });
  return values;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// ---------------------------------------------------------------------------------------
// Messages

const FILE_MODES: readonly number[] = [0o644, 0o640, 0o600];
const fileMode = z.number().int().refine((mode) => FILE_MODES.includes(mode), {
  error: 'must be 0644, 0640 or 0600',
});

export const readRequest = z.strictObject({
  op: z.literal('read'),
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
});

export const pushedFile = z.strictObject({
  path: z.string().regex(/^[a-z]+\.(yaml|env)$/),
  content: z.string().max(1_000_000),
  mode: fileMode,
});
export type PushedFile = z.infer<typeof pushedFile>;

export const applyRequest = z.strictObject({
  op: z.literal('apply'),
  files: z.array(pushedFile).min(1).max(8),
  /** How long the restarted unit must stay active before it counts as healthy. */
  settleSeconds: z.number().int().min(0).max(300),
});
export type ApplyRequest = z.infer<typeof applyRequest>;

export const boxRequest = z.discriminatedUnion('op', [readRequest, applyRequest]);
export type BoxRequest = z.infer<typeof boxRequest>;

export const boxFileState = z.strictObject({
  path: z.string(),
  exists: z.boolean(),
  mode: z.number().int().optional(),
  sha256: z.string().optional(),
  /** The text of a config file. */
  text: z.string().optional(),
  /** An env file, masked with the read request's nonce (maskEnvText). */
  masked: z.string().optional(),
});
export type BoxFileState = z.infer<typeof boxFileState>;

export const stateMessage = z.strictObject({
  type: z.literal('state'),
  protocol: z.number().int(),
  /** The roomcast version on the box. */
  version: z.string(),
  /** `none` (nothing yet), `files` (plain files put there by hand), `versions` (pushed). */
  layout: z.enum(['none', 'files', 'versions']),
  current: z.string().nullable(),
  previous: z.string().nullable(),
  files: z.array(boxFileState),
});
export type BoxState = z.infer<typeof stateMessage>;

export const APPLY_STEPS = [
  'staging',
  'validating',
  'switching',
  'restarting',
  'checking',
  'rollingBack',
] as const;
export type ApplyStep = (typeof APPLY_STEPS)[number];

export const stepMessage = z.strictObject({
  type: z.literal('step'),
  step: z.enum(APPLY_STEPS),
});

/**
 * applied: the new config is in place and its unit is healthy.
 * refused: the box's own checks refused it before switching; nothing changed.
 * rolledBack: switched and restarted, the unit was not healthy; the previous config is back.
 * failed: anything else (the reason says what state the box is in).
 */
export const resultMessage = z.strictObject({
  type: z.literal('result'),
  outcome: z.enum(['applied', 'refused', 'rolledBack', 'failed']),
  reason: z.string().optional(),
  /** The unit's last STATUS= line, as `systemctl show -p StatusText` gives it. */
  status: z.string().optional(),
  /** The config version now current on the box. */
  current: z.string().nullable().optional(),
  restarts: z.number().int(),
});
export type ApplyResult = z.infer<typeof resultMessage>;

export const errorMessage = z.strictObject({
  type: z.literal('error'),
  message: z.string(),
});

export const boxMessage = z.discriminatedUnion('type', [
  stateMessage,
  stepMessage,
  resultMessage,
  errorMessage,
]);
export type BoxMessage = z.infer<typeof boxMessage>;
