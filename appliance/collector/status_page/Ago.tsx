// "2 min ago" that keeps counting between snapshots and after contact is lost, measured on
// the collector's clock (see elapsedOnCollector) so a phone with a wrong clock reads true.
import { elapsedOnCollector, formatAgo } from './format.ts';
import { useNow } from './use_now.ts';

export interface SnapshotClock {
  /** The snapshot's `at`, collector clock. */
  at: string;
  /** Local ms when that snapshot arrived. */
  receivedAt: number;
}

export function Ago(props: { iso: string | null; clock: SnapshotClock; never?: string }) {
  const now = useNow();
  const elapsed = elapsedOnCollector(props.iso, props.clock.at, props.clock.receivedAt, now);
  if (elapsed === null) return <span>{props.never ?? '—'}</span>;
  return <time dateTime={props.iso ?? undefined}>{formatAgo(elapsed)}</time>;
}
