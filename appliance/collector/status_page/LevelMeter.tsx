// One channel's meter. The lit bar is a fixed green/yellow/red gradient uncovered by a
// dark cover that shrinks with the level, so each colour always sits at the same dB. Only
// `transform` and `left` change, and CSS eases them over about one SSE interval, so the
// bar glides between snapshots instead of jumping 4–5 times a second.
import {
  clampDb,
  formatDb,
  METER_CEIL_DB,
  METER_FLOOR_DB,
  METER_RED_DB,
  METER_YELLOW_DB,
  meterFraction,
} from './format.ts';
import type { ChannelLevel } from '../status.ts';

function zone(db: number): 'green' | 'yellow' | 'red' {
  if (db >= METER_RED_DB) return 'red';
  if (db >= METER_YELLOW_DB) return 'yellow';
  return 'green';
}

export function LevelMeter(props: { channel: number; level: ChannelLevel }) {
  const { rmsDb, peakDb } = props.level;
  const rms = meterFraction(rmsDb);
  const peak = meterFraction(peakDb);
  const name = `Channel ${props.channel}`;
  return (
    <div class='meter-row'>
      <span class='meter-name' aria-hidden='true'>Ch {props.channel}</span>
      <div
        class='meter'
        role='meter'
        aria-label={`${name} level`}
        aria-valuemin={METER_FLOOR_DB}
        aria-valuemax={METER_CEIL_DB}
        aria-valuenow={Math.round(clampDb(rmsDb) * 10) / 10}
        aria-valuetext={`${formatDb(rmsDb)}, peak ${formatDb(peakDb)}`}
        data-rms-db={rmsDb.toFixed(1)}
        data-peak-db={peakDb.toFixed(1)}
      >
        <div class='meter-cover' style={{ transform: `scaleX(${1 - rms})` }} />
        <div class={`meter-peak peak-${zone(peakDb)}`} style={{ left: `${peak * 100}%` }} />
      </div>
      <span class={`meter-value value-${zone(peakDb)}`} aria-hidden='true'>
        {formatDb(rmsDb)}
        <small>pk {formatDb(peakDb)}</small>
      </span>
    </div>
  );
}
