// Blocking playlist reload (RFC 8216bis §6.2.5.2): a low-latency player asks for the
// playlist "as soon as it holds segment `_HLS_msn`, part `_HLS_part`", and the server holds
// the request until then. The query is the player's, so anything in it may be hostile:
// every value is checked here, and what is wrong is named — a 400, never a request held
// forever or a 5xx.

export interface BlockingReload {
  /** Media sequence number of the segment the player waits for. */
  msn: number;
  /** Part of that segment (0, 1, …), or null for the whole segment. */
  part: number | null;
}

export type BlockingReloadQuery =
  | { kind: 'none' }
  | { kind: 'wait'; request: BlockingReload }
  | { kind: 'invalid'; error: string };

/** Largest number accepted: a JavaScript safe integer (no sequence ever gets there). */
const MAX_NUMBER = Number.MAX_SAFE_INTEGER;

function wholeNumber(name: string, value: string): number | string {
  if (!/^[0-9]{1,16}$/.test(value)) {
    return `${name} must be a whole number of at most 16 digits (got ${
      JSON.stringify(value.slice(0, 40))
    })`;
  }
  const number = Number(value);
  return number <= MAX_NUMBER ? number : `${name} is too large (${value})`;
}

/** Reads `_HLS_msn` and `_HLS_part` from a playlist request's query. */
export function parseBlockingReload(query: URLSearchParams): BlockingReloadQuery {
  const msns = query.getAll('_HLS_msn');
  const parts = query.getAll('_HLS_part');
  if (msns.length === 0) {
    return parts.length ? { kind: 'invalid', error: '_HLS_part needs _HLS_msn' } : { kind: 'none' };
  }
  if (msns.length > 1 || parts.length > 1) {
    return { kind: 'invalid', error: '_HLS_msn and _HLS_part may each be given once' };
  }
  const msn = wholeNumber('_HLS_msn', msns[0]!);
  if (typeof msn === 'string') return { kind: 'invalid', error: msn };
  if (!parts.length) return { kind: 'wait', request: { msn, part: null } };
  const part = wholeNumber('_HLS_part', parts[0]!);
  if (typeof part === 'string') return { kind: 'invalid', error: part };
  return { kind: 'wait', request: { msn, part } };
}

/** Where the playlist is: its last segment, and the parts of the one being made. */
export interface PlaylistEdge {
  /** Media sequence of the last complete segment, or -1 before the first. */
  lastSequence: number;
  /** Parts of segment lastSequence + 1 listed so far. */
  partsOfNext: number;
}

/** Whether the playlist at `edge` already answers `request`. */
export function satisfies(edge: PlaylistEdge, request: BlockingReload): boolean {
  if (request.msn <= edge.lastSequence) return true;
  if (request.msn !== edge.lastSequence + 1) return false;
  // The next segment's parts: a part index within those listed; the whole segment, not yet.
  return request.part !== null && request.part < edge.partsOfNext;
}

/**
 * A request the server must refuse rather than hold: the RFC has it answered 400 when it
 * asks for a segment more than two beyond the next one.
 */
export function tooFarAhead(edge: PlaylistEdge, request: BlockingReload): string | null {
  const limit = edge.lastSequence + 2;
  return request.msn > limit
    ? `_HLS_msn ${request.msn} is more than two segments ahead of the playlist (last ${edge.lastSequence})`
    : null;
}
