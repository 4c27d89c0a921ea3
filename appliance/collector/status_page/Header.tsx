// Which room and box this is (the crew may have several collectors on one network), and
// the overall state in the heartbeat's own words.
import type { CollectorStatus } from '../status.ts';

const STATE_TONE: Record<CollectorStatus['state'], string> = {
  live: 'good',
  starting: 'warn',
  reconnecting: 'warn',
  offline: 'idle',
  error: 'bad',
};

export function Header(props: { status: CollectorStatus | null }) {
  const s = props.status;
  return (
    <header class='header'>
      <div>
        <p class='eyebrow'>roomcast collector</p>
        <h1>{s ? s.room : 'Connecting…'}</h1>
        {s && <p class='muted'>node {s.nodeId}</p>}
      </div>
      {s && (
        <p class={`state-badge tone-${STATE_TONE[s.state]}`} data-state={s.state}>
          <span class='visually-hidden'>State:</span>
          {s.state.toUpperCase()}
        </p>
      )}
    </header>
  );
}
