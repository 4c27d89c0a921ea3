// Names of the edge's keys in the LiveStore, in one place so no two features collide.
export const liveKeys = {
  /** Present while the node heartbeats; value: its last heartbeat summary (JSON). */
  nodeAlive: (nodeId: string) => `node:${nodeId}:alive`,
  /** Ids of every encoder that ever registered with this edge. */
  encoders: 'nodes:encoders',
  /** A request nonce already seen from a node (replay protection). */
  nonce: (nodeId: string, nonce: string) => `nonce:${nodeId}:${nonce}`,
  /** Failed publish authorisations from one address in the current window. */
  publishFailures: (addr: string) => `ratelimit:publish:${addr}`,
  /** Failed logins for one email in the current window. */
  loginFailures: (email: string) => `ratelimit:login:${email}`,
  /** The encoder a room was last sent to, so a reconnecting collector returns to it. */
  assignment: (roomId: string) => `assign:${roomId}`,
  /** Per-room live status reported by the encoder (viewers, renditions), JSON. */
  roomStatus: (roomId: string) => `room:${roomId}:status`,
  /** The collector's last heartbeat for a room, JSON. */
  collectorStatus: (roomId: string) => `room:${roomId}:collector`,
  /** A player's last heartbeat for a room (JSON), expiring when the player goes quiet. */
  viewerSession: (roomId: string, session: string) => `room:${roomId}:viewer:${session}`,
  /** A playback grant handed out for this session: only such sessions are billed. */
  viewerGrant: (roomId: string, session: string) => `room:${roomId}:grant:${session}`,
  /** The node's watchdog's last report (JSON), expiring a few intervals after it goes quiet. */
  watchdog: (nodeId: string) => `node:${nodeId}:watchdog`,
  /** Messages one chat author sent in the current window (per-user rate limit). */
  chatAuthorRate: (authorId: string) => `ratelimit:chat:author:${authorId}`,
  /** Messages from one address in the current window (per-IP rate limit). */
  chatAddressRate: (addr: string) => `ratelimit:chat:addr:${addr}`,
  /** Present while a chat author must wait (slow mode). */
  chatSlowMode: (channel: string, authorId: string) => `chat:slow:${channel}:${authorId}`,
  /** The encoder's latest look at a room's output (JPEG base64 and when), JSON. */
  outputFrame: (roomId: string) => `room:${roomId}:output-frame`,
  /** Present while an operator's ladder restart waits for the room's encoder to pick it up. */
  restartRequest: (roomId: string) => `room:${roomId}:restart`,
  /** The stream every edge appends its new chat entries to and reads the others' from. */
  chatFanout: 'chat:fanout',
} as const;
