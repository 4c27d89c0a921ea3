// The player's state in words over the video (never a dialog). The live region is always in
// the page, so screen readers announce each new state.
import type { PlayerState } from './states.ts';
import type { StatusText } from './states.ts';

const BUSY: readonly PlayerState[] = ['loading', 'starting', 'reconnecting'];

export interface StatusOverlayProps {
  state: PlayerState;
  text: StatusText;
  /** Shown under the detail, e.g. that the edge cannot be reached. */
  note: string;
}

export function StatusOverlay({ state, text, note }: StatusOverlayProps) {
  const shown = text.title !== '';
  return (
    <div class={`player-status${shown ? '' : ' is-hidden'}`} role='status' aria-live='polite'>
      {shown && (
        <div class={`status-card status-${state}`}>
          {BUSY.includes(state) && <span class='spinner' aria-hidden='true' />}
          <p class='status-title'>{text.title}</p>
          {text.detail && <p class='status-detail'>{text.detail}</p>}
          {note && <p class='status-detail'>{note}</p>}
        </div>
      )}
    </div>
  );
}
