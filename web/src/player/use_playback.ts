// A page's playback as a Preact hook: created once, followed while the page lives, and
// re-rendered on every change of its snapshot.
import { useEffect, useReducer, useState } from 'preact/hooks';
import { createPlayback, type Playback, type PlaybackSnapshot } from './playback.ts';
import type { LatencyMode } from './tuning.ts';

export function usePlayback(
  roomId: string | null,
  latency: LatencyMode,
): [Playback, PlaybackSnapshot] {
  const [playback] = useState(() => createPlayback({ roomId, latency }));
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const unsubscribe = playback.subscribe(() => rerender(undefined));
    playback.start();
    return () => {
      unsubscribe();
      playback.dispose();
    };
  }, [playback]);
  return [playback, playback.snapshot()];
}
