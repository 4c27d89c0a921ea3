// hls.js ships no types for its light build (the same API without alternate audio,
// subtitles, DRM and ad interstitials, none of which a room uses): they are the full one's.
declare module 'hls.js/light' {
  export * from 'hls.js';
  export { default } from 'hls.js';
}
