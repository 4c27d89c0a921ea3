// An event file after validation: what the render and `event apply` work from. Hosts,
// node ids and rooms are resolved; only the values the file sets are kept (the software
// on each box supplies the rest from its own defaults).
import type { RoomcastConfig } from '../config/schema.ts';
import type { ChatSettingsPatch } from '../wire/chat.ts';

export type Ladder = RoomcastConfig['encoder']['ladder'];

/** The word a room's encoder.host takes to let the edge place it by load. */
export const ASSIGN = 'assign';

export interface EventSpec {
  /** The event file's name, for messages. */
  file: string;
  event: {
    id: string;
    title: string;
    /** ISO 8601; undefined = the file does not say, so apply leaves the edge's value alone. */
    startsAt?: string | null;
    endsAt?: string | null;
  };
  /** Base URL of the edge: boxes report to it, `event apply` talks to it. */
  edgeUrl: string;
  /** defaults.ladder; null = the file has none, rooms keep whatever the edge has. */
  ladder: Ladder | null;
  /** Sorted by host. */
  encoders: EncoderSpec[];
  /** Sorted by id. */
  rooms: RoomSpec[];
}

export interface EncoderSpec {
  /** SSH host of the box. */
  host: string;
  nodeId: string;
  /** encoder.* values the file sets for this box, besides nodeId. */
  settings: Record<string, unknown>;
  /** capacity as the box will run it (the file's value or the schema default). */
  capacity: number;
  /** Rooms whose encoder.host names this box, sorted. */
  rooms: string[];
}

export interface RoomSpec {
  id: string;
  title: string;
  collector: {
    /** SSH host of the venue box. */
    host: string;
    nodeId: string;
    /** collector.* values from defaults and the room's overrides, besides the identity. */
    settings: Record<string, unknown>;
  };
  /** ASSIGN, or the host of one of the event's encoders. */
  encoderHost: string;
  /** The room's ladder (its own or defaults.ladder); null when the file has no ladder. */
  ladder: Ladder | null;
  /**
   * The room's chat settings the file sets (defaults.chat with the room's chat: over it);
   * null when the file has none, so the edge keeps whatever its moderators set.
   */
  chat: ChatSettingsPatch | null;
}
