// Renders an event into the files each box needs: per collector box `collector.yaml` +
// `collector.env`, per encoder box `encoder.yaml` + `encoder.env`. Pure and deterministic
// (boxes sorted by host, keys in the config schema's order, fixed YAML style), so the
// pusher can diff what a box has against what it should have, byte for byte.
//
// The YAML is a normal roomcast config (`roomcast collector --config collector.yaml`)
// without secrets, readable by the service user. Secrets go only into the .env file, as
// the ROOMCAST_* variables the config loader reads, for systemd's EnvironmentFile=
// (which systemd reads as root before dropping privileges, hence mode 0600).
import { Document } from 'yaml';
import { z } from 'zod';
import { envNameFor } from '../config/schema.ts';
import { COLLECTOR, type Doc, ENCODER, isPlainObject, schemaAt } from './config_parts.ts';
import { EventFileError } from './errors.ts';
import { type EventSecrets, missingSecrets } from './secrets.ts';
import type { EncoderSpec, EventSpec, RoomSpec } from './spec.ts';

type AnySchema = z.core.$ZodType;

export interface BoxFile {
  /** Relative to pusher.remoteConfigDir on the box (e.g. 'collector.yaml'). */
  path: string;
  content: string;
  /** 0o640 for configs (root:roomcast on the box: the service reads it, others do not), 0o600 for the env file with secrets. */
  mode: number;
}

export interface BoxConfig {
  /** SSH host of the box. */
  host: string;
  kind: 'collector' | 'encoder';
  /** The room a collector feeds; the rooms pinned to an encoder (none when all 'assign'). */
  rooms: string[];
  files: BoxFile[];
}

export const CONFIG_MODE = 0o640;
export const SECRETS_MODE = 0o600;

/**
 * One BoxConfig per collector and encoder host of the event, sorted by host. Throws
 * EventFileError listing every secret the secrets file lacks.
 */
export function renderBoxConfigs(event: EventSpec, secrets: EventSecrets): BoxConfig[] {
  const missing = missingSecrets(event, secrets);
  if (missing.length > 0) throw new EventFileError(missing);
  const boxes = [
    ...event.rooms.map((room) => renderCollector(event, room, secrets)),
    ...event.encoders.map((encoder) => renderEncoder(event, encoder, secrets)),
  ];
  return boxes.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}

function renderCollector(event: EventSpec, room: RoomSpec, secrets: EventSecrets): BoxConfig {
  const { host, nodeId, settings } = room.collector;
  const section = { nodeId, edgeUrl: event.edgeUrl, room: room.id, ...settings };
  return {
    host,
    kind: 'collector',
    rooms: [room.id],
    files: [
      {
        path: 'collector.yaml',
        content: yamlFile(event, `collector of room ${room.id} on ${host}`, 'collector.env', {
          collector: inSchemaOrder(section, COLLECTOR),
        }),
        mode: CONFIG_MODE,
      },
      {
        path: 'collector.env',
        content: envFile(event, `node ${nodeId} (collector) on ${host}`, [
          ['collector.nodeSecret', secrets.nodeSecrets.get(nodeId)!],
          ['collector.streamKey', secrets.streamKeys.get(room.id)!],
        ]),
        mode: SECRETS_MODE,
      },
    ],
  };
}

function renderEncoder(event: EventSpec, encoder: EncoderSpec, secrets: EventSecrets): BoxConfig {
  const { host, nodeId, settings } = encoder;
  const section = {
    nodeId,
    edgeUrl: event.edgeUrl,
    ...settings,
    // The encoder's own ladder serves rooms the edge gives no ladder; `event apply` gives
    // every room of the event its ladder, so this matters for rooms of other events only.
    ...(event.ladder ? { ladder: event.ladder } : {}),
  };
  const carrying = encoder.rooms.length
    ? `pinned rooms: ${encoder.rooms.join(', ')}`
    : 'no pinned rooms';
  return {
    host,
    kind: 'encoder',
    rooms: [...encoder.rooms],
    files: [
      {
        path: 'encoder.yaml',
        content: yamlFile(event, `encoder on ${host}; ${carrying}`, 'encoder.env', {
          encoder: inSchemaOrder(section, ENCODER),
        }),
        mode: CONFIG_MODE,
      },
      {
        path: 'encoder.env',
        content: envFile(event, `node ${nodeId} (encoder) on ${host}`, [
          ['encoder.nodeSecret', secrets.nodeSecrets.get(nodeId)!],
        ]),
        mode: SECRETS_MODE,
      },
    ],
  };
}

function header(event: EventSpec, about: string): string[] {
  return [`rendered by roomcast from ${event.event.id}; do not edit`, about];
}

// The style `deno fmt` keeps as is (two-space indent, single quotes, no folding), so
// rendered files can be checked in as fixtures and compared byte for byte.
function yamlFile(event: EventSpec, about: string, envFile: string, body: Doc): string {
  const doc = new Document(body);
  doc.commentBefore = [...header(event, about), `its secrets are in ${envFile}, beside this file`]
    .map((line) => ` ${line}`).join('\n');
  return doc.toString({ indent: 2, lineWidth: 0, singleQuote: true });
}

function envFile(event: EventSpec, about: string, values: [path: string, value: string][]): string {
  return [
    ...header(event, `secrets of the ${about}, for systemd EnvironmentFile= (mode 0600)`).map((
      line,
    ) => `# ${line}`),
    // Values are checked to be plain base64url-like text (secrets.ts), so they need no
    // quoting for systemd or a shell.
    ...values.map(([path, value]) => `${envNameFor(path)}=${value}`),
    '',
  ].join('\n');
}

/** A copy of value with mapping keys in the order the schema declares them. */
function inSchemaOrder(value: unknown, schema: AnySchema): unknown {
  const inner = schemaAt(schema, [], value);
  if (inner instanceof z.ZodObject && isPlainObject(value)) {
    const out: Doc = {};
    for (const [key, child] of Object.entries(inner.shape)) {
      if (Object.hasOwn(value, key)) out[key] = inSchemaOrder(value[key], child as AnySchema);
    }
    return out;
  }
  if (inner instanceof z.ZodArray && Array.isArray(value)) {
    return value.map((item) => inSchemaOrder(item, inner.element as AnySchema));
  }
  return value;
}
