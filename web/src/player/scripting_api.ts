// `window.roomcastPlayer`: what scripts on the watch and embed pages (tests, benchmarks, an
// embedder's page reaching into its iframe) may use. Documented in web/README.md.

export interface RoomcastPlayerApi {
  /** Names of the renditions a viewer can pick, in menu order, without 'auto'. */
  levels(): string[];
  /** Name of the rendition on screen ('audio' when audio only); null when unknown. */
  currentLevel(): string | null;
  /** Pick a rendition by name, or 'auto'. Unknown names are ignored. */
  setLevel(name: string): void;
  /** Wall-clock time (ms since epoch) of the frame on screen; null when unknown. */
  playingDate(): number | null;
  /** Seconds behind the live edge; null when unknown. */
  behindLive(): number | null;
  /** The hls.js instance, or null (native playback, or not playing). */
  hls(): unknown;
}

declare global {
  // A global `var` is how TypeScript types a property of globalThis (= window in pages).
  var roomcastPlayer: RoomcastPlayerApi | undefined;
}

/** Publish the page's player; returns the undo for when the page goes away. */
export function exposePlayer(api: RoomcastPlayerApi): () => void {
  globalThis.roomcastPlayer = api;
  return () => {
    if (globalThis.roomcastPlayer === api) globalThis.roomcastPlayer = undefined;
  };
}
