// The control bar: play, sound, live badge, quality, full screen. Real buttons with labels
// (the keys in their titles), so they work with a keyboard and a screen reader alike.
import { Icon } from './Icon.tsx';
import { LiveBadge } from './LiveBadge.tsx';
import type { PlaybackSnapshot } from './playback.ts';
import { QualityMenu } from './QualityMenu.tsx';
import type { MediaState } from './use_media_state.ts';

export interface ControlsProps {
  snapshot: PlaybackSnapshot;
  media: MediaState;
  /** Id of the keyboard help, for the play button's description. */
  helpId: string;
  onTogglePlay(): void;
  onToggleMute(): void;
  onVolume(volume: number): void;
  onToggleFullscreen(): void;
  onGoLive(): void;
  onLevel(name: string): void;
}

export function Controls(props: ControlsProps) {
  const { snapshot, media } = props;
  // While reconnecting the badge stays only if there is a position to be behind with.
  const live = snapshot.state === 'playing' ||
    (snapshot.state === 'reconnecting' && snapshot.behindLive !== null);
  return (
    <div class='player-controls'>
      <button
        type='button'
        class='control'
        onClick={props.onTogglePlay}
        aria-label={media.paused ? 'Play' : 'Pause'}
        aria-describedby={props.helpId}
        title={`${media.paused ? 'Play' : 'Pause'} (Space or K)`}
      >
        <Icon name={media.paused ? 'play' : 'pause'} />
      </button>
      <button
        type='button'
        class='control'
        onClick={props.onToggleMute}
        aria-label={media.muted ? 'Unmute' : 'Mute'}
        title={`${media.muted ? 'Unmute' : 'Mute'} (M)`}
      >
        <Icon name={media.muted || media.volume === 0 ? 'muted' : 'volume'} />
      </button>
      <input
        type='range'
        class='volume'
        min='0'
        max='1'
        step='0.05'
        value={media.muted ? 0 : media.volume}
        aria-label='Volume'
        title='Volume (Up and Down arrows)'
        onInput={(event) => props.onVolume(Number(event.currentTarget.value))}
      />
      {live && (
        <LiveBadge
          behindLive={snapshot.behindLive}
          nearLive={snapshot.nearLive}
          latency={snapshot.latencySeconds}
          onGoLive={props.onGoLive}
        />
      )}
      <span class='controls-gap' />
      {snapshot.menu.length > 0 && (
        <QualityMenu
          menu={snapshot.menu}
          selection={snapshot.selection}
          rendition={snapshot.rendition}
          auto={snapshot.auto}
          onChange={props.onLevel}
        />
      )}
      <button
        type='button'
        class='control'
        onClick={props.onToggleFullscreen}
        aria-label={media.fullscreen ? 'Exit full screen' : 'Full screen'}
        title={`${media.fullscreen ? 'Exit full screen' : 'Full screen'} (F)`}
      >
        <Icon name={media.fullscreen ? 'exitFullscreen' : 'enterFullscreen'} />
      </button>
    </div>
  );
}
