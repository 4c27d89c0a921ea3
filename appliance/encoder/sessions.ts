// The publish sessions nginx carries right now, as the agent knows them: keyed by nginx's
// client id (unique per connection), each naming its public room. The stream key is not
// kept: after the edge's answer only the room id names the stream.
import type { Rendition } from '../../core/wire/contracts.ts';

export interface LiveSession {
  clientId: string;
  sessionId: string;
  room: string;
  ladder: Rendition[];
  addr: string;
  startedAt: number;
  /** Set once the edge cut the session off; nginx's next on_update gets a refusal too. */
  cutOff: string | null;
}

export class LiveSessions {
  #byClient = new Map<string, LiveSession>();

  add(session: LiveSession): void {
    this.#byClient.set(session.clientId, session);
  }

  get(clientId: string): LiveSession | undefined {
    return this.#byClient.get(clientId);
  }

  remove(clientId: string): LiveSession | undefined {
    const session = this.#byClient.get(clientId);
    this.#byClient.delete(clientId);
    return session;
  }

  /** Every session of a room (more than one only in the moment of a takeover). */
  ofRoom(room: string): LiveSession[] {
    return [...this.#byClient.values()].filter((session) => session.room === room);
  }

  /** The newest session of a room: the one its ladder reads. */
  current(room: string): LiveSession | undefined {
    return this.ofRoom(room).sort((a, b) => b.startedAt - a.startedAt)[0];
  }

  all(): LiveSession[] {
    return [...this.#byClient.values()];
  }
}
