// The player box: the video, its state in words, the controls, the keys. Shared by the
// watch and embed pages; the data-* attributes are the contract for tests and benchmarks.
import './player.css';
import { useEffect, useId, useRef } from 'preact/hooks';
import { Controls } from './Controls.tsx';
import { KEY_HELP, type KeyAction, keyAction, SEEK_STEP_S } from './keyboard.ts';
import { behindLiveAttribute } from './live.ts';
import {
  setVolume,
  stepVolume,
  toggleFullscreen,
  toggleMute,
  togglePlay,
  unmute,
} from './media.ts';
import type { Playback, PlaybackSnapshot } from './playback.ts';
import { statusText } from './states.ts';
import { StatusOverlay } from './StatusOverlay.tsx';
import { useMediaState } from './use_media_state.ts';

export interface PlayerProps {
  playback: Playback;
  snapshot: PlaybackSnapshot;
}

export function Player({ playback, snapshot }: PlayerProps) {
  const box = useRef<HTMLDivElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const media = useMediaState(video, box);
  const helpId = useId();

  useEffect(() => playback.attach(video.current!), [playback]);

  useEffect(() => {
    const perform = (action: KeyAction) => {
      const element = video.current;
      if (!element || !box.current) return;
      switch (action) {
        case 'togglePlay':
          return togglePlay(element);
        case 'toggleMute':
          return toggleMute(element);
        case 'toggleFullscreen':
          return void toggleFullscreen(box.current, element);
        case 'volumeUp':
          return stepVolume(element, 1);
        case 'volumeDown':
          return stepVolume(element, -1);
        case 'seekBack':
          return playback.seekBy(-SEEK_STEP_S);
        case 'seekForward':
          return playback.seekBy(SEEK_STEP_S);
        case 'goLive':
          return playback.goLive();
      }
    };
    const onKey = (event: KeyboardEvent) => {
      const action = keyAction({
        key: event.key,
        ctrlKey: event.ctrlKey,
        metaKey: event.metaKey,
        altKey: event.altKey,
        target: event.target instanceof HTMLElement ? event.target : null,
      });
      if (!action) return;
      // Space and the arrows would otherwise also scroll the page.
      event.preventDefault();
      perform(action);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [playback]);

  const active = snapshot.state === 'playing' || snapshot.state === 'starting' ||
    snapshot.state === 'reconnecting';
  const text = statusText(snapshot);
  const note = snapshot.unreachable ? 'Cannot reach the server right now; retrying.' : '';

  return (
    <div
      ref={box}
      class='player'
      data-player=''
      data-state={snapshot.state}
      data-rendition={snapshot.rendition}
      data-auto={String(snapshot.auto)}
      data-behind-live={behindLiveAttribute(snapshot.behindLive)}
      data-token-expires={snapshot.tokenExpires}
      data-engine={snapshot.engine ?? ''}
      role='region'
      aria-label='Video player'
    >
      <video
        ref={video}
        class='player-video'
        playsInline
        onClick={() => video.current && togglePlay(video.current)}
      />
      {snapshot.audioOnly && active && (
        <div class='audio-card'>
          <p class='audio-card-title'>Audio only</p>
          <p class='audio-card-detail'>Pick a quality to see the video again.</p>
        </div>
      )}
      <StatusOverlay state={snapshot.state} text={text} note={note} />
      {active && snapshot.needsTap && (
        <button
          type='button'
          class='player-prompt'
          onClick={() => video.current && togglePlay(video.current)}
        >
          Tap to play
        </button>
      )}
      {active && !snapshot.needsTap && snapshot.needsUnmute && (
        <button
          type='button'
          class='player-prompt'
          onClick={() => {
            if (video.current) unmute(video.current);
            playback.unmuted();
          }}
        >
          Tap to unmute
        </button>
      )}
      <Controls
        snapshot={snapshot}
        media={media}
        helpId={helpId}
        onTogglePlay={() => video.current && togglePlay(video.current)}
        onToggleMute={() => video.current && toggleMute(video.current)}
        onVolume={(volume) => video.current && setVolume(video.current, volume)}
        onToggleFullscreen={() =>
          video.current && box.current && void toggleFullscreen(box.current, video.current)}
        onGoLive={() => playback.goLive()}
        onLevel={(name) => playback.setLevel(name)}
      />
      <p id={helpId} class='visually-hidden'>{KEY_HELP}</p>
    </div>
  );
}
