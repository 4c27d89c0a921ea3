// Checks an event file and resolves it into an EventSpec. Every problem is collected, and
// each names the file (line and column), the room or box and the key path:
//   devconf.yaml:14:18: rooms.main-hall.collector.output.videoKbps: must be > 0 (got -5)
//
// The rules (docs/event-file.md):
// * `defaults:` holds every key a room may change; a room may only override keys that
//   exist there (deep), so a typo in one room cannot silently fall back to a default.
// * A room's own keys are its title, collector.host and collector.nodeId.
// * Values are checked with the same schema the boxes load their config with.
// * Secrets never appear in the event file; they come from the secrets file.
// * One collector box feeds one room; a box is a collector or an encoder, not both; node
//   ids are unique; rooms pinned to an encoder fit its capacity.
import { z } from 'zod';
import { isSecretKey } from '../config/schema.ts';
import { checkBoxes, checkEncoders, PLACEHOLDER_URL } from './check_boxes.ts';
import { checkDefaults, checkRooms, TITLE } from './check_rooms.ts';
import {
  BASE_URL,
  checkSection,
  compare,
  type Doc,
  gotText,
  isPlainObject,
  knownHint,
  setOwn,
  SLUG,
} from './config_parts.ts';
import { IssueList, type Path } from './errors.ts';
import type { ParsedFile } from './parse.ts';
import type { EventSpec } from './spec.ts';

const TOP_KEYS = ['event', 'edge', 'encoders', 'defaults', 'rooms'] as const;

const ISO_TIME = 'must be an ISO 8601 time with a zone, like 2026-06-01T09:00:00Z';

const eventSection = z.strictObject({
  id: SLUG,
  title: TITLE,
  startsAt: z.iso.datetime({ offset: true, error: ISO_TIME }).nullable().optional(),
  endsAt: z.iso.datetime({ offset: true, error: ISO_TIME }).nullable().optional(),
});

const edgeSection = z.strictObject({ url: BASE_URL });

export function validateEventFile(parsed: ParsedFile, file: string): EventSpec {
  const issues = new IssueList(parsed.locate);
  if (!isPlainObject(parsed.value)) {
    issues.add(
      [],
      `must be a mapping with event:, edge:, defaults: and rooms: (${gotText(parsed.value)})`,
    );
    issues.throwIfAny();
  }
  const doc = withoutSecrets(parsed.value as Doc, [], issues);
  for (const key of Object.keys(doc)) {
    if (!(TOP_KEYS as readonly string[]).includes(key)) {
      issues.add([key], `unknown key${knownHint(TOP_KEYS)}`);
    }
  }

  const event = checkSection(eventSection, doc.event, ['event'], issues);
  if (event?.startsAt && event.endsAt && Date.parse(event.endsAt) <= Date.parse(event.startsAt)) {
    issues.add(['event', 'endsAt'], `must be after event.startsAt (${gotText(event.endsAt)})`);
  }
  const edge = checkSection(edgeSection, doc.edge, ['edge'], issues);
  const edgeUrl = edge?.url ?? PLACEHOLDER_URL;
  const encoders = checkEncoders(doc.encoders, issues);
  const defaults = checkDefaults(doc.defaults, encoders, issues);
  const rooms = checkRooms(doc.rooms, defaults, encoders, issues);
  checkBoxes(rooms, encoders, defaults, issues);
  issues.throwIfAny();

  return {
    file,
    event: event!,
    edgeUrl,
    ladder: defaults.ladder ?? null,
    encoders: [...encoders.values()].map((encoder) => ({
      ...encoder,
      rooms: rooms.filter((r) => r.encoderHost === encoder.host).map((r) => r.id).sort(compare),
    })).sort((a, b) => compare(a.host, b.host)),
    rooms: rooms.map(({ spec }) => spec).sort((a, b) => compare(a.id, b.id)),
  };
}

// ---------------------------------------------------------------------------------------
// Secrets

// Under rooms: and encoders: the keys are ids and host names chosen by the operator (a room
// may be called `turkey`), so only the keys below them are checked for secret names.
const isIdLevel = (path: Path) =>
  path.length === 1 && (path[0] === 'rooms' || path[0] === 'encoders');

function secretHome(path: Path, key: string): string {
  const room = path[0] === 'rooms' && typeof path[1] === 'string' ? path[1] : '<room>';
  if (/secret$/i.test(key)) return 'node secrets go under nodes.<node id>.nodeSecret';
  if (/key$/i.test(key)) return `stream keys go under rooms.${room}.streamKey`;
  if (/token$/i.test(key)) return 'the admin token goes in adminToken (or ROOMCAST_TOKEN)';
  return 'they go in the secrets file';
}

/** A copy of value without secret-looking keys; each one found is an issue. */
function withoutSecrets(value: Doc, path: Path, issues: IssueList): Doc {
  const out: Doc = {};
  for (const [key, child] of Object.entries(value)) {
    const here = [...path, key];
    if (!isIdLevel(path) && isSecretKey(key)) {
      issues.add(
        here,
        `secrets never go in the event file: ${
          secretHome(path, key)
        } of the secrets file given with --secrets (docs/event-file.md)`,
      );
      continue;
    }
    setOwn(out, key, copyWithout(child, here, issues));
  }
  return out;
}

function copyWithout(value: unknown, path: Path, issues: IssueList): unknown {
  if (isPlainObject(value)) return withoutSecrets(value, path, issues);
  if (Array.isArray(value)) return value.map((item, i) => copyWithout(item, [...path, i], issues));
  return value;
}
