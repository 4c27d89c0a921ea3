// "LIVE" and the glass-to-glass latency when playing near the live edge; otherwise how far
// behind, as a button back to live. `data-latency` (seconds, '' when unknown) is there in
// both cases, for the e2e tests and the latency benchmark.
import {
  describeBehind,
  describeLatency,
  formatBehind,
  formatLatency,
  latencyAttribute,
} from './live.ts';

export interface LiveBadgeProps {
  behindLive: number | null;
  nearLive: boolean;
  /** Glass-to-glass latency, seconds; null when unknown (no PROGRAM-DATE-TIME). */
  latency: number | null;
  onGoLive(): void;
}

export function LiveBadge({ behindLive, nearLive, latency, onGoLive }: LiveBadgeProps) {
  if (nearLive || behindLive === null) {
    if (latency === null) {
      return <span class='live-badge is-live' data-latency=''>LIVE</span>;
    }
    // A plain span cannot carry an aria-label (ARIA ignores it on generic elements): the
    // screen reader reads the hidden sentence instead of the terse "LIVE · 1.2 s".
    return (
      <span
        class='live-badge is-live'
        data-latency={latencyAttribute(latency)}
        title='Time from the camera to your screen'
      >
        <span aria-hidden='true'>{`LIVE \u00b7 ${formatLatency(latency)}`}</span>
        <span class='visually-hidden'>{`Live, ${describeLatency(latency)}`}</span>
      </span>
    );
  }
  return (
    <button
      type='button'
      class='live-badge is-behind'
      data-latency={latencyAttribute(latency)}
      onClick={onGoLive}
      aria-label={`${describeBehind(behindLive)}. Jump to live (L)`}
      title='Jump to live (L or End)'
    >
      {formatBehind(behindLive)}
    </button>
  );
}
