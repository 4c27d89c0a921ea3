// The push to the cloud encoder: whether it flows, how well, and why it last broke.
import type { CollectorStatus, UplinkState } from '../status.ts';
import { Ago, type SnapshotClock } from './Ago.tsx';
import { formatBitrate } from './format.ts';
import { Field, Fields, Panel } from './Panel.tsx';

const TONE: Record<UplinkState, 'good' | 'warn' | 'bad' | undefined> = {
  live: 'good',
  connecting: 'warn',
  backoff: 'bad',
  refused: 'bad',
  idle: undefined,
};

export function UplinkPanel(props: { uplink: CollectorStatus['uplink']; clock: SnapshotClock }) {
  const u = props.uplink;
  return (
    <Panel title='Uplink'>
      <Fields>
        <Field label='State' tone={TONE[u.state]}>{u.state.toUpperCase()}</Field>
        <Field label='Bitrate'>{formatBitrate(u.bitrateKbps)}</Field>
        <Field label='Reconnects' tone={u.reconnects > 0 ? 'warn' : undefined}>
          {u.reconnects}
        </Field>
        <Field label='Last failure'>
          <Ago iso={u.lastFailureAt} clock={props.clock} never='never' />
          {u.lastFailure && <span class='reason'>{u.lastFailure}</span>}
        </Field>
        <Field label='Encoder'>{u.encoderNodeId ?? 'not assigned yet'}</Field>
        <Field label='Target'>{u.target ?? '—'}</Field>
      </Fields>
    </Panel>
  );
}
