// The local recording: the copy of the talk that survives any network outage.
import type { CollectorStatus } from '../status.ts';
import { formatDiskMb, formatDuration } from './format.ts';
import { Field, Fields, Panel } from './Panel.tsx';

export function RecordingPanel(props: { recording: CollectorStatus['recording'] }) {
  const r = props.recording;
  return (
    <Panel title='Recording'>
      <Fields>
        <Field label='State' tone={r.active ? 'good' : 'warn'}>
          {r.active ? <span class='rec'>● REC</span> : 'PAUSED'}
        </Field>
        <Field label='File'>
          <span class='path'>{r.currentFile ?? '—'}</span>
        </Field>
        <Field label='Recorded'>{formatDuration(r.seconds)}</Field>
        <Field label='Disk free' tone={r.lowDisk ? 'bad' : undefined}>
          {formatDiskMb(r.diskFreeMb)}
          {r.lowDisk && <strong class='badge-bad'>LOW DISK</strong>}
        </Field>
        <Field label='Folder'>
          <span class='path'>{r.dir}</span>
        </Field>
        <Field label='Rotated away'>{r.rotatedFiles} files</Field>
      </Fields>
    </Panel>
  );
}
