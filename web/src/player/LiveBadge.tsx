// "LIVE" when playing near the live edge; otherwise how far behind, as a button back to live.
import { describeBehind, formatBehind } from './live.ts';

export interface LiveBadgeProps {
  behindLive: number | null;
  nearLive: boolean;
  onGoLive(): void;
}

export function LiveBadge({ behindLive, nearLive, onGoLive }: LiveBadgeProps) {
  if (nearLive || behindLive === null) {
    return <span class='live-badge is-live'>LIVE</span>;
  }
  return (
    <button
      type='button'
      class='live-badge is-behind'
      onClick={onGoLive}
      aria-label={`${describeBehind(behindLive)}. Jump to live (L)`}
      title='Jump to live (L or End)'
    >
      {formatBehind(behindLive)}
    </button>
  );
}
