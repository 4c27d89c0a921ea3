// Which room a watch or embed page shows: the last path segment (`/watch/main-hall`). The
// crew page (`/crew/<event>`) names its event the same way, by the same slug rule.

/** The edge's room id rule (core/wire: lowercase slug, at most 63 characters). */
export const ROOM_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The room id of `/<page>/<room>`, or null when the path holds none that could be a room. */
export function roomIdFromPath(pathname: string, page: 'watch' | 'embed' | 'crew'): string | null {
  const prefix = `/${page}/`;
  if (!pathname.startsWith(prefix)) return null;
  // A trailing slash is a common hand-typed variant of the same address.
  const id = pathname.slice(prefix.length).replace(/\/$/, '');
  return ROOM_ID.test(id) ? id : null;
}
