// Shapes of the control-room API: alerts, webhook deliveries, the event snapshot and the
// room actions.
import { z } from 'zod';
import {
  collectorHeartbeatSchema,
  outputProbeSchema,
  renditionStatusSchema,
  slugSchema,
} from '../../core/wire/contracts.ts';
import { ALERT_RULES, DELIVERY_STATES } from '../db/schema.ts';
import { nodeInfoSchema } from './schemas.ts';

export const alertSchema = z.object({
  id: z.string(),
  rule: z.enum(ALERT_RULES),
  severity: z.enum(['warning', 'critical']),
  roomId: z.string().nullable(),
  nodeId: z.string().nullable(),
  message: z.string().describe('in operator words, e.g. "Main hall: no sound for 12 s"'),
  firedAt: z.string(),
  resolvedAt: z.string().nullable().describe('null while the condition holds'),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable().describe('who said "I am on it"'),
}).meta({ id: 'Alert' });

export const alertListQuerySchema = z.object({
  open: z.enum(['true', 'false']).default('true').describe('true: open alerts only'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
}).strict();

export const alertIdParams = z.object({ id: z.string().min(1).max(64) });

export const deliverySchema = z.object({
  id: z.string(),
  alertId: z.string(),
  webhook: z.string().describe('the receiver by name (its URL is a secret)'),
  change: z.enum(['fired', 'resolved']),
  state: z.enum(DELIVERY_STATES),
  attempts: z.number(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  message: z.string().describe("the alert's message"),
}).meta({ id: 'AlertDelivery' });

export const deliveryListQuerySchema = z.object({
  state: z.enum(DELIVERY_STATES).optional().describe('dead: the dead-letter list'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
}).strict();

const collector = collectorHeartbeatSchema.pick({
  nodeId: true,
  state: true,
  input: true,
  levels: true,
  uplink: true,
  recording: true,
}).extend({
  at: z.string().describe('when the edge received its last heartbeat'),
  silentSeconds: z.number().nullable(),
  clipping: z.boolean(),
  previewUrl: z.string().nullable(),
});

export const roomTileSchema = z.object({
  id: z.string(),
  title: z.string(),
  eventId: z.string().nullable(),
  state: z.enum(['live', 'reconnecting', 'offline', 'ended']),
  awaySince: z.string().nullable(),
  viewers: z.number(),
  collector: collector.nullable(),
  encoder: z.object({
    nodeId: z.string(),
    cpuLoad: z.number().nullable(),
    renditions: z.array(renditionStatusSchema),
    errors: z.array(z.string()),
    ingestAdvice: z.string().nullable(),
    output: outputProbeSchema.omit({ frameJpegBase64: true }).extend({
      frameUrl: z.string().nullable(),
    }).nullable(),
  }).nullable(),
  alerts: z.array(alertSchema),
}).meta({ id: 'RoomTile' });

export const controlRoomSchema = z.object({
  event: z.object({ id: z.string(), title: z.string(), state: z.string() }).nullable(),
  rooms: z.array(roomTileSchema),
  nodes: z.array(nodeInfoSchema),
  alerts: z.array(alertSchema),
  deadDeliveries: z.number(),
}).meta({ id: 'ControlRoom' });

export const controlQuerySchema = z.object({
  event: slugSchema.optional().describe("the event's rooms; absent: every room"),
}).strict();

export const moveBodySchema = z.object({ encoderNodeId: slugSchema }).strict();

export const restartResultSchema = z.object({ room: z.string(), encoderNodeId: z.string() });
export const moveResultSchema = z.object({
  room: z.string(),
  encoderNodeId: z.string(),
  reconnecting: z.boolean().describe('the live publish was ended so it reconnects there'),
});
export const endResultSchema = z.object({ room: z.string(), sessionId: z.string() });
