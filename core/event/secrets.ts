// The secrets file: what the event file must never hold. Kept apart so the event file can
// live in git and be mailed around, while this one stays on the operator's machine with
// mode 0600.
//
//   adminToken: rct_…                       # optional; for `roomcast event apply`
//   nodes:
//     collector-main-hall: { nodeSecret: … }   # by node id, as `roomcast node add` printed it
//     encoder-1: { nodeSecret: … }
//   rooms:
//     main-hall: { streamKey: rk_… }            # as `roomcast room create` / `key create` printed it
//
// No message here ever shows a value: every value in this file is a secret.
import { isPlainObject } from './config_parts.ts';
import { IssueList, type Path } from './errors.ts';
import type { ParsedFile } from './parse.ts';
import type { EventSpec } from './spec.ts';

export interface EventSecrets {
  /** The secrets file's name, for messages. */
  file: string;
  /** An operator or admin API token of the edge, for `event apply`. */
  adminToken?: string;
  /** Node id → node secret. */
  nodeSecrets: ReadonlyMap<string, string>;
  /** Room id → stream key. */
  streamKeys: ReadonlyMap<string, string>;
}

// Secrets end up in systemd EnvironmentFile= lines, which give quotes, backslashes and
// whitespace a meaning. The edge issues base64url text, so anything else is a copy mistake.
const SECRET_TEXT = /^[A-Za-z0-9._~+/=:-]{1,1024}$/;
const SECRET_MUST = 'must be one line of letters, digits and . _ ~ + / = : - as the edge issues ' +
  'it (value not shown)';

const TOP_KEYS = ['adminToken', 'nodes', 'rooms'];

/** Reads a parsed secrets file; throws EventFileError naming every problem (never a value). */
export function checkSecretsFile(parsed: ParsedFile, file: string): EventSecrets {
  const issues = new IssueList(parsed.locate);
  const secrets = {
    file,
    adminToken: undefined as string | undefined,
    nodeSecrets: new Map<string, string>(),
    streamKeys: new Map<string, string>(),
  };
  const doc = parsed.value ?? {};
  if (!isPlainObject(doc)) {
    issues.add([], 'must be a mapping of adminToken, nodes and rooms');
    issues.throwIfAny();
    return secrets;
  }
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'adminToken') {
      secrets.adminToken = secretText(value, [key], issues);
    } else if (key === 'nodes') {
      readEntries(value, 'nodes', 'nodeSecret', secrets.nodeSecrets, issues);
    } else if (key === 'rooms') {
      readEntries(value, 'rooms', 'streamKey', secrets.streamKeys, issues);
    } else {
      issues.add([key], `unknown key (known here: ${TOP_KEYS.join(', ')})`);
    }
  }
  issues.throwIfAny();
  return secrets;
}

function readEntries(
  value: unknown,
  section: 'nodes' | 'rooms',
  field: 'nodeSecret' | 'streamKey',
  into: Map<string, string>,
  issues: IssueList,
): void {
  if (value === null || value === undefined) return;
  const what = section === 'nodes' ? 'node ids' : 'room ids';
  if (!isPlainObject(value)) {
    issues.add([section], `must be a mapping of ${what} to { ${field}: … }`);
    return;
  }
  for (const [id, entry] of Object.entries(value)) {
    if (!isPlainObject(entry)) {
      issues.add([section, id], `must be a mapping with ${field} (value not shown)`);
      continue;
    }
    for (const key of Object.keys(entry)) {
      if (key !== field) issues.add([section, id, key], `unknown key (known here: ${field})`);
    }
    const text = secretText(entry[field], [section, id, field], issues);
    if (text !== undefined) into.set(id, text);
  }
}

function secretText(value: unknown, path: Path, issues: IssueList): string | undefined {
  if (value === undefined || value === null || value === '') {
    issues.add(path, 'must not be empty');
    return undefined;
  }
  if (typeof value !== 'string' || !SECRET_TEXT.test(value)) {
    issues.add(path, SECRET_MUST);
    return undefined;
  }
  return value;
}

/**
 * The secrets the boxes of an event need and the secrets file lacks, each as a message
 * that says how to get it. Entries for other nodes and rooms are fine: one secrets file
 * may serve several events.
 */
export function missingSecrets(event: EventSpec, secrets: EventSecrets): string[] {
  const missing: string[] = [];
  const nodes = [
    ...event.rooms.map((room) => ({ nodeId: room.collector.nodeId, kind: 'collector' })),
    ...event.encoders.map((encoder) => ({ nodeId: encoder.nodeId, kind: 'encoder' })),
  ].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  for (const { nodeId, kind } of nodes) {
    if (secrets.nodeSecrets.has(nodeId)) continue;
    missing.push(
      `${secrets.file}: nodes.${nodeId}.nodeSecret: missing; \`roomcast node add ${nodeId} ` +
        `--kind ${kind}\` prints it once (or \`roomcast node rotate-secret ${nodeId}\`)`,
    );
  }
  for (const room of event.rooms) {
    if (secrets.streamKeys.has(room.id)) continue;
    missing.push(
      `${secrets.file}: rooms.${room.id}.streamKey: missing; \`roomcast event apply\` prints ` +
        `it when it creates the room, \`roomcast key create ${room.id}\` makes another`,
    );
  }
  return missing;
}
