// The boxes of an event file: the encoders: section, and the checks across all boxes —
// one collector box per room, a box is a collector or an encoder, node ids unique, pinned
// rooms within an encoder's capacity.
import {
  checkHost,
  dropOwnKeys,
  ENCODER,
  gotText,
  isPlainObject,
  reportZodIssues,
} from './config_parts.ts';
import type { IssueList, Path } from './errors.ts';
import type { CheckedRoom, Defaults } from './check_rooms.ts';
import { ASSIGN, type EncoderSpec } from './spec.ts';

/** Stands in for edge.url while checking a box section (edge.url is checked on its own). */
export const PLACEHOLDER_URL = 'http://edge.invalid';

// Keys of the encoder section the encoders: entries must not set, and why.
const ENCODER_OWN: Record<string, string> = {
  edgeUrl: 'comes from edge.url',
  ladder: "comes from defaults.ladder (and each room's ladder)",
};

export function checkEncoders(value: unknown, issues: IssueList): Map<string, EncoderSpec> {
  const encoders = new Map<string, EncoderSpec>();
  if (value === undefined || value === null) return encoders;
  if (!isPlainObject(value)) {
    issues.add(
      ['encoders'],
      `must be a mapping of encoder hosts to their settings (${gotText(value)})`,
    );
    return encoders;
  }
  const seen = new Map<string, string>();
  for (const [host, entry] of Object.entries(value)) {
    const path = ['encoders', host];
    const hostOk = checkHost(host, path, issues);
    const twin = seen.get(host.toLowerCase());
    if (twin !== undefined) {
      issues.add(path, `is listed twice (also as encoders.${twin}); host names ignore case`);
    }
    seen.set(host.toLowerCase(), host);
    if (!isPlainObject(entry)) {
      issues.add(path, `must be a mapping with at least nodeId and publicUrl (${gotText(entry)})`);
      continue;
    }
    const settings = dropOwnKeys(entry, ENCODER_OWN, path, issues);
    for (const required of ['nodeId', 'publicUrl']) {
      if (settings[required] === undefined) {
        issues.add(
          [...path, required],
          required === 'nodeId'
            ? 'missing: the node id the edge knows this box by (roomcast node add ID --kind encoder)'
            : 'missing: the base URL viewers fetch HLS from, like https://enc-1.example.org',
        );
      }
    }
    const result = ENCODER.safeParse({ ...settings, edgeUrl: PLACEHOLDER_URL });
    if (!result.success) {
      reportZodIssues(result.error.issues, {
        value: settings,
        schema: ENCODER,
        sink: issues,
        at: (p) => (p[0] === 'edgeUrl' ? null : [...path, ...p]),
      });
    }
    if (!hostOk || typeof settings.nodeId !== 'string') continue;
    const { nodeId, ...rest } = settings;
    encoders.set(host, {
      host,
      nodeId,
      settings: rest,
      // With a bad value somewhere in the entry, that value is the problem to report, not
      // the capacity: no limit then.
      capacity: result.success
        ? (result.data as { capacity: number }).capacity
        : Number.POSITIVE_INFINITY,
      rooms: [],
    });
  }
  return encoders;
}

export function checkEncoderHost(
  host: string,
  path: Path,
  encoders: Map<string, EncoderSpec>,
  issues: IssueList,
): boolean {
  if (host === ASSIGN || encoders.has(host)) return true;
  const listed = [...encoders.keys()];
  issues.add(
    path,
    `must be '${ASSIGN}' (the edge places the room by load) or one of the hosts under ` +
      `encoders: (${listed.length ? listed.join(', ') : 'none listed'}) (${gotText(host)})`,
  );
  return false;
}

export function checkBoxes(
  rooms: CheckedRoom[],
  encoders: Map<string, EncoderSpec>,
  defaults: Defaults,
  issues: IssueList,
): void {
  const encoderHosts = new Map([...encoders.keys()].map((h) => [h.toLowerCase(), h]));
  const collectorHosts = new Map<string, string>();
  const nodeIds = new Map<string, string>();
  for (const encoder of encoders.values()) {
    const where = `encoders.${encoder.host}.nodeId`;
    const twin = nodeIds.get(encoder.nodeId);
    if (twin) {
      issues.add(['encoders', encoder.host, 'nodeId'], sharedNodeId(encoder.nodeId, twin));
    } else nodeIds.set(encoder.nodeId, where);
  }
  for (const room of rooms) {
    const { host, nodeId } = room.spec.collector;
    const hostPath = ['rooms', room.id, 'collector', 'host'];
    const firstRoom = collectorHosts.get(host.toLowerCase());
    if (firstRoom !== undefined) {
      issues.add(
        hostPath,
        `${host} is also the collector of room ${firstRoom}: one collector box feeds one room`,
      );
    } else collectorHosts.set(host.toLowerCase(), room.id);
    if (encoderHosts.has(host.toLowerCase())) {
      issues.add(
        hostPath,
        `${host} is also listed under encoders: a box is a collector or an encoder, not both`,
      );
    }
    const twin = nodeIds.get(nodeId);
    if (twin) issues.add(room.nodeIdPath, sharedNodeId(nodeId, twin));
    else nodeIds.set(nodeId, `rooms.${room.id}.collector.nodeId`);
  }

  for (const encoder of encoders.values()) {
    const pinned = rooms.filter((room) => room.encoderHost === encoder.host).map((r) => r.id);
    if (pinned.length <= encoder.capacity) continue;
    const fromDefaults = defaults.encoderHost === encoder.host;
    issues.add(
      ['encoders', encoder.host, 'capacity'],
      `${encoder.host} would carry ${pinned.length} rooms (${pinned.join(', ')}${
        fromDefaults ? ', through defaults.encoder.host' : ''
      }) but its capacity is ${encoder.capacity}: raise capacity or move rooms to another ` +
        `encoder or to '${ASSIGN}'`,
    );
  }
}

const sharedNodeId = (nodeId: string, other: string) =>
  `node id ${nodeId} is also used by ${other}: every box needs its own node id`;
