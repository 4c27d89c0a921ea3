// The tally light: the one thing read from across the room. Red ON AIR only when the
// encoder takes our stream; when the page has lost contact it greys out and says the
// value is only the last known one, because a confident red lamp that may be lying is
// worse than none.
import type { Contact } from './use_collector_status.ts';

export function Tally(props: { onAir: boolean | null; contact: Contact }) {
  const known = props.onAir !== null;
  const label = !known ? 'CONNECTING' : props.onAir ? 'ON AIR' : 'OFFLINE';
  const stale = known && props.contact === 'lost';
  const kind = !known ? 'unknown' : props.onAir ? 'on' : 'off';
  return (
    <div
      class={`tally tally-${kind}${stale ? ' tally-stale' : ''}`}
      role='status'
      aria-label={`Tally: ${label}${stale ? ' (last known)' : ''}`}
      data-tally={kind}
    >
      <span class='tally-text'>{label}</span>
      {stale && <span class='tally-note'>last known — no contact</span>}
    </div>
  );
}
