// Pure helpers that turn status numbers into what the crew reads. Kept apart from the
// components so they are tested without a browser.

/** The meters' scale, dBFS: below −60 a mixer feed is as good as silent. */
export const METER_FLOOR_DB = -60;
export const METER_CEIL_DB = 0;
/** Zone edges of the meter colours: green below −18 (speech), yellow to −6, red above. */
export const METER_YELLOW_DB = -18;
export const METER_RED_DB = -6;

export function clampDb(db: number): number {
  if (!Number.isFinite(db)) return METER_FLOOR_DB;
  return Math.min(METER_CEIL_DB, Math.max(METER_FLOOR_DB, db));
}

/** Where `db` sits on the meter, 0 (floor) … 1 (0 dBFS); linear in dB like a mixer's. */
export function meterFraction(db: number): number {
  return (clampDb(db) - METER_FLOOR_DB) / (METER_CEIL_DB - METER_FLOOR_DB);
}

/** "−12.3 dB", or "silent" below the scale (the worker reports −200 for digital zero). */
export function formatDb(db: number): string {
  if (!Number.isFinite(db) || db <= METER_FLOOR_DB) return 'silent';
  return `${db.toFixed(1).replace('-', '−')} dB`;
}

/** "just now", "42 s ago", "2 min ago", "3 h ago", "2 d ago". */
export function formatAgo(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** Recorded time as h:mm:ss (m:ss under an hour). */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, '0');
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`
    : `${minutes}:${seconds}`;
}

/** "850 kb/s", "4.2 Mb/s". */
export function formatBitrate(kbps: number): string {
  if (kbps >= 1000) return `${(kbps / 1000).toFixed(1)} Mb/s`;
  return `${Math.round(kbps)} kb/s`;
}

/** "950 MB", "12.4 GB". */
export function formatDiskMb(mb: number): string {
  if (mb >= 1024) return `${(mb / 1024).toFixed(1)} GB`;
  return `${Math.round(mb)} MB`;
}

/**
 * Milliseconds between `iso` and the collector's own "now". The crew's phone or laptop
 * clock may be minutes off the collector's, so "now" is the snapshot's `at` (collector
 * clock) plus the local time elapsed since the snapshot arrived; null if `iso` is unset
 * or unreadable.
 */
export function elapsedOnCollector(
  iso: string | null,
  snapshotAt: string,
  receivedAtMs: number,
  nowMs: number,
): number | null {
  if (iso === null) return null;
  const then = Date.parse(iso);
  const at = Date.parse(snapshotAt);
  if (Number.isNaN(then) || Number.isNaN(at)) return null;
  return at - then + Math.max(0, nowMs - receivedAtMs);
}
