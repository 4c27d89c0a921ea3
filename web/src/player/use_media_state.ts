// What the controls show of the <video>: kept in state from its events so a pause by any
// means (keys, the OS's media keys, the end of the stream) shows at once.
import { type RefObject } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { fullscreenElement } from './media.ts';

export interface MediaState {
  paused: boolean;
  muted: boolean;
  volume: number;
  fullscreen: boolean;
}

const EVENTS = ['play', 'pause', 'playing', 'volumechange', 'emptied', 'ended'] as const;

export function useMediaState(
  video: RefObject<HTMLVideoElement | null>,
  box: RefObject<HTMLElement | null>,
): MediaState {
  const [state, setState] = useState<MediaState>({
    paused: true,
    muted: false,
    volume: 1,
    fullscreen: false,
  });
  useEffect(() => {
    const element = video.current;
    if (!element) return;
    const read = () =>
      setState({
        paused: element.paused,
        muted: element.muted,
        volume: element.volume,
        fullscreen: box.current !== null && fullscreenElement() === box.current,
      });
    read();
    for (const name of EVENTS) element.addEventListener(name, read);
    document.addEventListener('fullscreenchange', read);
    document.addEventListener('webkitfullscreenchange', read);
    return () => {
      for (const name of EVENTS) element.removeEventListener(name, read);
      document.removeEventListener('fullscreenchange', read);
      document.removeEventListener('webkitfullscreenchange', read);
    };
  }, [video, box]);
  return state;
}
