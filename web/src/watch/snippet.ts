// The HTML a site owner pastes to embed a room's player.

/** Text made safe inside a double-quoted HTML attribute. */
export function escapeAttribute(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

/** The iframe of `/embed/<room>` on `origin`, 640×360, allowed to autoplay and go full screen. */
export function embedSnippet(origin: string, roomId: string, title: string): string {
  const src = `${origin}/embed/${encodeURIComponent(roomId)}`;
  return `<iframe src="${escapeAttribute(src)}" width="640" height="360" ` +
    `allow="autoplay; fullscreen; picture-in-picture" allowfullscreen style="border:0" ` +
    `title="${escapeAttribute(title)}"></iframe>`;
}
