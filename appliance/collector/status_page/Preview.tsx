// The preview picture, refreshed every 1.5 s. Each refresh loads into a hidden <img> of
// its own (keyed by URL, so Preact keeps the element and never refetches); only once it
// has loaded does it replace the visible one. A failed or slow fetch therefore leaves the
// last good frame on screen instead of a broken-image icon.
import { useEffect, useState } from 'preact/hooks';
import { Ago, type SnapshotClock } from './Ago.tsx';
import { Panel } from './Panel.tsx';

const REFRESH_MS = 1_500;

interface Frame {
  url: string;
  loaded: boolean;
}

export function Preview(props: { updatedAt: string | null; clock: SnapshotClock }) {
  const [frames, setFrames] = useState<Frame[]>([]);
  const available = props.updatedAt !== null;

  useEffect(() => {
    if (!available) return;
    // A new request replaces a still-pending one; the loaded frame stays until beaten.
    const next = () =>
      setFrames((current) => [
        ...current.filter((f) => f.loaded),
        { url: `/preview.jpg?t=${Date.now()}`, loaded: false },
      ]);
    next();
    const timer = setInterval(next, REFRESH_MS);
    return () => clearInterval(timer);
  }, [available]);

  const loaded = (url: string) =>
    setFrames((current) => {
      const at = current.findIndex((f) => f.url === url);
      return at < 0 ? current : [{ url, loaded: true }, ...current.slice(at + 1)];
    });
  const failed = (url: string) => setFrames((current) => current.filter((f) => f.url !== url));

  const shown = frames.find((f) => f.loaded) ?? null;
  return (
    <Panel title='Preview' class='panel-preview'>
      <div class='preview'>
        {!shown && <p class='preview-empty'>{available ? 'loading preview…' : 'no preview yet'}</p>}
        {frames.map((f) => (
          <img
            key={f.url}
            src={f.url}
            hidden={f !== shown}
            alt={f === shown ? "Preview of the room's video input" : ''}
            data-preview={f === shown ? 'shown' : 'loading'}
            onLoad={() => loaded(f.url)}
            onError={() => failed(f.url)}
          />
        ))}
      </div>
      {available && (
        <p class='muted preview-age'>
          Frame taken <Ago iso={props.updatedAt} clock={props.clock} />
        </p>
      )}
    </Panel>
  );
}
