// A message's time as the chat shows it: the viewer's own clock, hours and minutes (24 h),
// which is all a live chat needs; the full date and time are in the element's title.

const pad = (n: number) => String(n).padStart(2, '0');

/** `HH:MM` in the local time zone. */
export function clockTime(atMs: number): string {
  const date = new Date(atMs);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** For `<time dateTime>`: the instant, machine-readable. */
export function isoTime(atMs: number): string {
  return new Date(atMs).toISOString();
}
