// The audio panel: one meter per channel on a shared dB scale.
import type { CollectorStatus } from '../status.ts';
import { meterFraction } from './format.ts';
import { LevelMeter } from './LevelMeter.tsx';
import { Panel } from './Panel.tsx';

const TICKS = [-60, -48, -36, -24, -18, -12, -6, 0];
/** Ticks dropped on a phone, where all eight labels would run into each other. */
const MINOR = new Set([-48, -24, -12]);

function Scale() {
  return (
    <div class='meter-row meter-scale-row' aria-hidden='true'>
      <span class='meter-name' />
      <div class='meter-scale'>
        {TICKS.map((db) => (
          <span
            key={db}
            class={MINOR.has(db) ? 'tick-minor' : undefined}
            style={{ left: `${meterFraction(db) * 100}%` }}
          >
            {db === 0 ? '0' : String(db).replace('-', '−')}
          </span>
        ))}
      </div>
      <span class='meter-value'>dBFS</span>
    </div>
  );
}

export function Meters(props: { audio: CollectorStatus['audio'] }) {
  const { levels } = props.audio;
  return (
    <Panel title='Audio' class='panel-audio'>
      {levels.length === 0
        ? <p class='muted'>No audio channels reported.</p>
        : levels.map((level, i) => <LevelMeter key={i} channel={i + 1} level={level} />)}
      <Scale />
    </Panel>
  );
}
