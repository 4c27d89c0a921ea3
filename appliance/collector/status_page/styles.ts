// The page's CSS, inlined into the HTML shell (one request less, and nothing to load from
// elsewhere: the venue network may have no internet). Dark, because it sits next to a
// video mixer in a dim room; every text colour keeps at least 4.5:1 contrast on its
// background. Sizes use clamp() so one layout serves a phone and a monitor across the room.
import { METER_RED_DB, METER_YELLOW_DB, meterFraction } from './format.ts';

// The meter's colour zones, as positions on its track, from the same constants as the code.
const YELLOW_AT = `${meterFraction(METER_YELLOW_DB) * 100}%`;
const RED_AT = `${meterFraction(METER_RED_DB) * 100}%`;

export const STATUS_PAGE_CSS = `
:root {
  color-scheme: dark;
  --bg: #0e0f11; --panel: #1a1c20; --line: #30343a; --text: #f2f2f2; --muted: #b4b9c0;
  --good: #3ddc6f; --warn: #ffc233; --bad: #ff5c5c; --onair: #d40000;
  --m-green: #22b14c; --m-yellow: #f2c200; --m-red: #e8202a;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  background: var(--bg); color: var(--text);
}
* { box-sizing: border-box; }
body { margin: 0; }
.page { max-width: 1400px; margin: 0 auto; padding: clamp(.5rem, 2vw, 1.5rem);
  display: flex; flex-direction: column; gap: clamp(.5rem, 1.5vw, 1rem); }
h1, h2, p { margin: 0; }
.muted { color: var(--muted); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip-path: inset(50%); white-space: nowrap; }

.header { display: flex; justify-content: space-between; align-items: center; gap: 1rem;
  flex-wrap: wrap; }
.header h1 { font-size: clamp(1.5rem, 4vw, 2.5rem); overflow-wrap: anywhere; }
.eyebrow { color: var(--muted); text-transform: uppercase; letter-spacing: .1em;
  font-size: .8rem; }
.state-badge { font-weight: 800; font-size: clamp(1rem, 2.5vw, 1.5rem); padding: .3em .8em;
  border-radius: .4em; border: 2px solid currentColor; }

.tally { display: flex; flex-direction: column; align-items: center; justify-content: center;
  min-height: clamp(7rem, 22vw, 16rem); border-radius: 1rem; text-align: center;
  font-weight: 900; letter-spacing: .06em; border: 4px solid transparent; }
.tally-text { font-size: clamp(3rem, 13vw, 10rem); line-height: 1; }
.tally-on { background: var(--onair); color: #fff; border-color: #ff6b6b;
  box-shadow: 0 0 2.5rem rgba(255, 0, 0, .45); }
.tally-off { background: #26292e; color: #e6e6e6; border-color: #4a4f57; }
.tally-unknown { background: #1f2125; color: var(--muted); border-color: var(--line); }
.tally-stale { background: #3a3d42; color: #e6e6e6; border-style: dashed; border-color: #9aa0a8;
  box-shadow: none; }
.tally-note { font-size: clamp(1rem, 3vw, 1.6rem); font-weight: 700; margin-top: .4rem; }

.contact-banner { background: var(--warn); color: #111; padding: .8rem 1rem; border-radius: .6rem;
  font-size: clamp(1rem, 2.5vw, 1.3rem); }

.warnings { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column;
  gap: .5rem; }
.warnings:empty { display: none; }
.warning { padding: .7rem 1rem; border-radius: .6rem; font-size: clamp(1rem, 2.6vw, 1.4rem); }
.warning strong { font-weight: 900; letter-spacing: .04em; margin-right: .4em; }
.warning-critical { background: var(--onair); color: #fff; }
.warning-warn { background: var(--warn); color: #111; }

.grid { display: grid; gap: clamp(.5rem, 1.5vw, 1rem);
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 26rem), 1fr)); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: .8rem;
  padding: clamp(.7rem, 1.5vw, 1rem); min-width: 0; }
.panel h2 { font-size: 1rem; text-transform: uppercase; letter-spacing: .08em;
  color: var(--muted); margin-bottom: .6rem; }
.fields { margin: 0; display: grid; gap: .35rem; }
.field { display: grid; grid-template-columns: 8.5rem 1fr; gap: .5rem; }
.field dt { color: var(--muted); }
.field dd { margin: 0; font-weight: 600; overflow-wrap: anywhere;
  font-variant-numeric: tabular-nums; }
.tone-good { color: var(--good); }
.tone-warn { color: var(--warn); }
.tone-bad { color: var(--bad); }
.tone-idle { color: var(--muted); }
.reason { display: block; font-weight: 400; color: var(--text); }
.path { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9em; }
.rec { color: var(--bad); }
.badge-bad { margin-left: .6em; background: var(--bad); color: #111; padding: 0 .4em;
  border-radius: .3em; }

.preview { position: relative; aspect-ratio: 16 / 9; background: #000; border-radius: .5rem;
  overflow: hidden; display: flex; align-items: center; justify-content: center; }
.preview img { width: 100%; height: 100%; object-fit: contain; display: block; }
.preview img[hidden] { display: none; }
.preview-empty { color: var(--muted); font-size: 1.2rem; }
.preview-age { margin-top: .4rem; font-size: .9rem; }

.meter-row { display: grid; grid-template-columns: 3rem 1fr 7.5rem; gap: .6rem;
  align-items: center; margin-bottom: .6rem; }
.meter-name { color: var(--muted); font-weight: 700; white-space: nowrap; }
.meter { position: relative; height: clamp(1.6rem, 4vw, 2.8rem); border-radius: .3rem;
  overflow: hidden; background: linear-gradient(to right,
    var(--m-green) 0%, var(--m-green) ${YELLOW_AT}, var(--m-yellow) ${YELLOW_AT},
    var(--m-yellow) ${RED_AT}, var(--m-red) ${RED_AT}, var(--m-red) 100%); }
/* Covers the unlit part; the 200 ms linear ease spans one SSE interval (throttled to 5/s). */
.meter-cover { position: absolute; inset: 0; background: #2a2d33; transform-origin: right;
  transition: transform 200ms linear; will-change: transform; }
.meter-peak { position: absolute; top: 0; bottom: 0; width: 3px; margin-left: -3px;
  transition: left 200ms linear; }
.peak-green { background: #b8ffcb; }
.peak-yellow { background: #fff1a8; }
.peak-red { background: #fff; }
.meter-value { font-variant-numeric: tabular-nums; font-weight: 700; text-align: right;
  white-space: nowrap; }
.meter-value small { display: block; font-weight: 400; color: var(--muted); }
.value-red { color: var(--bad); }
.meter-scale-row { margin-bottom: 0; }
.meter-scale { position: relative; height: 1.2rem; font-size: .75rem; color: var(--muted); }
.meter-scale span { position: absolute; transform: translateX(-50%);
  font-variant-numeric: tabular-nums; }
.meter-scale span:first-child { transform: none; }
.meter-scale span:last-child { transform: translateX(-100%); }

@media (max-width: 30rem) {
  .field { grid-template-columns: 6.5rem 1fr; }
  .meter-row { grid-template-columns: 2.6rem 1fr 5.5rem; gap: .4rem; }
  .meter-scale .tick-minor { display: none; }
}
@media (prefers-reduced-motion: reduce) {
  .meter-cover, .meter-peak { transition: none; }
}
`;
