// Every condition that can cost a talk, in one strip under the tally, worded as what to
// check. The list element always exists so screen readers announce items as they appear.
import type { CollectorStatus } from '../status.ts';
import { formatDiskMb } from './format.ts';

export interface Warning {
  /** Stable key, also `data-warning` for tests and styling. */
  id: string;
  severity: 'critical' | 'warn';
  title: string;
  hint: string;
}

export function warningsOf(s: CollectorStatus): Warning[] {
  const list: Warning[] = [];
  if (!s.input.present) {
    list.push({
      id: 'no-signal',
      severity: 'critical',
      title: 'NO INPUT SIGNAL',
      hint: "check the mixer's output and the capture cable",
    });
  }
  if (s.audio.warnings.silence) {
    list.push({
      id: 'silence',
      severity: 'critical',
      title: 'SILENCE',
      hint: 'no audio on any channel — is the mixer feed muted?',
    });
  }
  if (s.audio.warnings.clipping) {
    list.push({
      id: 'clipping',
      severity: 'warn',
      title: 'CLIPPING',
      hint: "audio hits 0 dBFS — lower the mixer's output level",
    });
  }
  if (s.recording.lowDisk) {
    list.push({
      id: 'low-disk',
      severity: 'warn',
      title: 'LOW DISK',
      hint: `${formatDiskMb(s.recording.diskFreeMb)} free — old recordings are rotated away`,
    });
  }
  // On air but not recording: the stream is the only copy of this talk.
  if (s.onAir && !s.recording.active) {
    list.push({
      id: 'not-recording',
      severity: 'warn',
      title: 'NOT RECORDING',
      hint: 'the room is on air but nothing is written locally',
    });
  }
  if (s.worker.state === 'restarting' || s.worker.state === 'stopped') {
    list.push({
      id: 'pipeline',
      severity: 'critical',
      title: s.worker.state === 'restarting' ? 'PIPELINE RESTARTING' : 'PIPELINE STOPPED',
      hint: s.worker.lastError ?? 'the capture pipeline is not running',
    });
  }
  return list;
}

export function Warnings(props: { status: CollectorStatus | null }) {
  const list = props.status ? warningsOf(props.status) : [];
  return (
    <ul class='warnings' aria-label='Warnings' aria-live='assertive'>
      {list.map((w) => (
        <li key={w.id} class={`warning warning-${w.severity}`} data-warning={w.id}>
          <strong>{w.title}</strong> <span>{w.hint}</span>
        </li>
      ))}
    </ul>
  );
}
