// Meter arithmetic for the tiles: dBFS to a bar length, and the alarms a tile shows.
import type { RoomTile } from './control_api.ts';

/** The meter's floor: anything quieter reads as empty. */
export const METER_FLOOR_DB = -60;

/** 0 at the floor (or below), 1 at full scale. */
export function meterFraction(db: number): number {
  if (!Number.isFinite(db) || db <= METER_FLOOR_DB) return 0;
  return Math.min(1, (db - METER_FLOOR_DB) / -METER_FLOOR_DB);
}

export type Alarm = 'silence' | 'clipping' | 'black' | 'frozen' | 'uplink';

/**
 * The alarms a tile lights: open alerts of the room by rule, plus clipping, which the box
 * reports itself (it is the crew's to fix at once, not a webhook's).
 */
export function tileAlarms(tile: RoomTile): Alarm[] {
  const byRule: Record<string, Alarm> = {
    silence: 'silence',
    outputBlack: 'black',
    outputFrozen: 'frozen',
    uplinkLost: 'uplink',
  };
  const alarms = new Set<Alarm>();
  for (const alert of tile.alerts) {
    const alarm = byRule[alert.rule];
    if (alarm) alarms.add(alarm);
  }
  if (tile.collector?.clipping) alarms.add('clipping');
  return [...alarms];
}

/** "4 s ago", "2 min ago": heartbeat ages for people. */
export function ageText(fromIso: string | null, now: number): string {
  if (!fromIso) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(fromIso)) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}
