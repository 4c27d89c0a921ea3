// The alert rules: what the edge knows of rooms, nodes and keys in, the conditions that
// hold now out. Plain code over plain facts, so every rule is tested without a stack; the
// engine (engine.ts) gathers the facts and turns conditions into alerts. Each condition has
// a key (rule + subject) that stays the same while it holds, which is what makes an alert
// fire once and resolve once however often the rules run, on however many edges.
import type { AlertRule } from '../db/schema.ts';
import type { EdgeSettings } from '../deps.ts';

export type AlertSeverity = 'warning' | 'critical';

export interface RoomFacts {
  id: string;
  title: string;
  state: 'live' | 'backSoon' | 'offline' | 'ended';
  /** While backSoon: when the publisher went (unix ms). */
  awaySince: number | null;
  /** The collector's count of silent seconds; null when no collector reports the room. */
  silentSeconds: number | null;
  /** The encoder's look at the output; null before the first probe. */
  output: { blackSeconds: number; frozenSeconds: number } | null;
}

export interface NodeFacts {
  id: string;
  kind: 'encoder' | 'collector';
  state: 'up' | 'down' | 'new';
  /** unix ms, or null when it never heartbeat. */
  lastHeartbeatAt: number | null;
  /** Targets the node's watchdog stopped restarting (it needs a person). */
  escalated: { target: string; reason: string }[];
}

/** A stream key that published from more than one address within the key-leak window. */
export interface KeyUse {
  keyId: string;
  keyHint: string;
  roomId: string;
  addresses: number;
}

export interface AlertFacts {
  now: number;
  rooms: RoomFacts[];
  nodes: NodeFacts[];
  keyUses: KeyUse[];
}

export interface AlertCondition {
  key: string;
  rule: AlertRule;
  severity: AlertSeverity;
  roomId: string | null;
  nodeId: string | null;
  /** In the words of an operator at a glance: "Main hall: no sound for 12 s". */
  message: string;
}

type Limits = EdgeSettings['alerts'];

export function evaluateRules(facts: AlertFacts, limits: Limits): AlertCondition[] {
  return [
    ...facts.rooms.flatMap((room) => roomConditions(room, facts.now, limits)),
    ...facts.nodes.flatMap((node) => nodeConditions(node, facts.now)),
    ...facts.keyUses.filter((use) => use.addresses > 1).map((use) => ({
      key: `keyLeak:key:${use.keyId}`,
      rule: 'keyLeak' as const,
      severity: 'warning' as const,
      roomId: use.roomId,
      nodeId: null,
      message: `${use.roomId}: stream key ${use.keyHint}… published from ${use.addresses} ` +
        `addresses within ${limits.keyLeakWindowMinutes} min; rotate it if that was not you`,
    })),
  ];
}

function roomConditions(room: RoomFacts, now: number, limits: Limits): AlertCondition[] {
  const out: AlertCondition[] = [];
  const add = (rule: AlertRule, message: string) =>
    out.push({
      key: `${rule}:room:${room.id}`,
      rule,
      severity: 'critical',
      roomId: room.id,
      nodeId: null,
      message: `${room.title}: ${message}`,
    });
  if (room.state === 'backSoon' && room.awaySince !== null) {
    const away = Math.floor((now - room.awaySince) / 1000);
    if (away >= limits.uplinkLostSeconds) {
      add('uplinkLost', `the publisher is gone (${away} s); viewers see the slate`);
    }
  }
  // Sound and picture are judged only on air: before and after, silence is normal.
  if (room.state !== 'live') return out;
  if (room.silentSeconds !== null && room.silentSeconds >= limits.silenceSeconds) {
    add('silence', `no sound for ${room.silentSeconds} s`);
  }
  if (room.output && room.output.blackSeconds >= limits.blackSeconds) {
    add('outputBlack', `the output is black (${room.output.blackSeconds} s)`);
  }
  if (room.output && room.output.frozenSeconds >= limits.frozenSeconds) {
    add('outputFrozen', `the output picture is frozen (${room.output.frozenSeconds} s)`);
  }
  return out;
}

function nodeConditions(node: NodeFacts, now: number): AlertCondition[] {
  const out: AlertCondition[] = [];
  if (node.state === 'down') {
    const silent = node.lastHeartbeatAt === null
      ? ''
      : ` for ${Math.floor((now - node.lastHeartbeatAt) / 1000)} s`;
    out.push({
      key: `nodeStale:node:${node.id}`,
      rule: 'nodeStale',
      // A silent encoder takes every room on it down; a collector, its own room.
      severity: node.kind === 'encoder' ? 'critical' : 'warning',
      roomId: null,
      nodeId: node.id,
      message: `${node.kind} ${node.id}: no heartbeat${silent}`,
    });
  }
  for (const { target, reason } of node.escalated) {
    out.push({
      key: `watchdogEscalated:node:${node.id}:${target}`,
      rule: 'watchdogEscalated',
      severity: 'critical',
      roomId: target.startsWith('room:') ? target.slice('room:'.length) : null,
      nodeId: node.id,
      message:
        `${node.id}: the watchdog gave up restarting ${target} (${reason}); it needs a person`,
    });
  }
  return out;
}
