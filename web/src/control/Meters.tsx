// Audio meters of a room: one bar per channel, rms as the bar and peak as a tick, on a
// −60…0 dBFS scale, with the reading in text for screen readers and a quick glance.
import type { RoomTile } from './control_api.ts';
import { meterFraction } from './levels.ts';

export function Meters(props: { levels: NonNullable<RoomTile['collector']>['levels'] }) {
  if (!props.levels.length) return <p class='meters-empty'>no audio levels</p>;
  return (
    <div class='meters' data-meters>
      {props.levels.map((level, channel) => (
        <div
          class='meter'
          key={channel}
          role='meter'
          aria-label={`channel ${channel + 1}`}
          aria-valuemin={-60}
          aria-valuemax={0}
          aria-valuenow={Math.max(-60, Math.round(level.rmsDb))}
          data-rms={level.rmsDb.toFixed(1)}
        >
          <span class='meter-bar' style={{ width: `${meterFraction(level.rmsDb) * 100}%` }} />
          <span class='meter-peak' style={{ left: `${meterFraction(level.peakDb) * 100}%` }} />
        </div>
      ))}
    </div>
  );
}
