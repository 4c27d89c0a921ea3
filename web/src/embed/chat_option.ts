// Whether an embedded player shows the room's chat beside it: only when the embedding site
// asks for it with `?chat=1`; the plain embed stays the player alone.
export function chatWanted(search: string): boolean {
  return new URLSearchParams(search).get('chat') === '1';
}
